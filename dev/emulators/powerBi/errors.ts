import { EmulatorHttpError } from '../core/emulatorServer';

// Error answers in the shapes the Power BI REST API uses, so a client's error handling
// meets the same bodies and headers here as against api.powerbi.com.

/** `{ error: { code, message?, pbi.error } }`: the envelope of Power BI's own exceptions. */
export function powerBiError(status: number, code: string, message?: string, headers: Record<string, string> = {}): EmulatorHttpError {
  const pbiError = { code, parameters: {}, details: [], exceptionCulprit: 1 };
  return new EmulatorHttpError(status, { error: { code, ...(message !== undefined ? { message } : {}), 'pbi.error': pbiError } }, headers);
}

/** A GenerateToken rule was broken: 400 InvalidRequest with a message like the service's. */
export function invalidRequest(message: string): EmulatorHttpError {
  return new EmulatorHttpError(400, { error: { code: 'InvalidRequest', message } });
}

/** A value could not be bound to the request model (wrong type, not a GUID): ASP.NET's model-binding answer. */
export function badRequest(target: string, message: string): EmulatorHttpError {
  return new EmulatorHttpError(400, { error: { code: 'BadRequest', message: 'Bad Request', details: [{ message, target }] } });
}

/** The caller (or the profile it acts as) is not a member of a workspace involved. */
export function notAuthorized(): EmulatorHttpError {
  return powerBiError(403, 'PowerBINotAuthorizedException');
}

export function entityNotFound(): EmulatorHttpError {
  return powerBiError(404, 'PowerBIEntityNotFound');
}

/** Datasets answer with their own code and message when they do not exist. */
export function datasetNotFound(datasetId: string): EmulatorHttpError {
  return new EmulatorHttpError(404, {
    error: { code: 'ItemNotFound', message: `Dataset ${datasetId} is not found! please verify datasetId is correct and user have sufficient permissions.` },
  });
}

/** A bad or missing bearer token: 401 with an empty body, the reason in headers only. */
export function invalidToken(description: string): EmulatorHttpError {
  return new EmulatorHttpError(401, '', {
    'WWW-Authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
    'X-PowerBI-Error-Info': 'InvalidToken',
  });
}

export function tokenExpired(): EmulatorHttpError {
  return new EmulatorHttpError(
    403,
    { error: { code: 'TokenExpired', message: 'Access token has expired, resubmit with a new access token' } },
    { 'X-PowerBI-Error-Info': 'TokenExpired' },
  );
}

/** The tenant setting "Service principals can use Fabric APIs" is off (or excludes this service principal). */
export function servicePrincipalNotAllowed(): EmulatorHttpError {
  return new EmulatorHttpError(401, '', { 'X-PowerBI-Error-Info': 'ServicePrincipalIsNotAllowedByTenantAdminSwitch' });
}

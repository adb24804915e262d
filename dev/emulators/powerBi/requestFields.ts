import { badRequest } from './errors';
import { isGuid, normalizeId } from './ids';

// Reads a JSON request body the way the service's model binder does: property names and
// enum values are case-insensitive, null means absent, and a value of the wrong type is a
// 400 BadRequest naming the offending field.

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown, target: string): JsonObject {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badRequest(target, 'An object was expected.');
  return value as JsonObject;
}

/** The value of a property, matched case-insensitively; undefined when absent or null. */
export function field(json: JsonObject, name: string): unknown {
  const key = Object.hasOwn(json, name) ? name : Object.keys(json).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : json[key];
  return value === null ? undefined : value;
}

export function optionalString(json: JsonObject, name: string, target: string): string | undefined {
  const value = field(json, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${target}.${name}`, 'A string was expected.');
  return value;
}

export function optionalBoolean(json: JsonObject, name: string, target: string): boolean | undefined {
  const value = field(json, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`${target}.${name}`, 'A boolean was expected.');
  return value;
}

export function optionalInteger(json: JsonObject, name: string, target: string): number | undefined {
  const value = field(json, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badRequest(`${target}.${name}`, 'An integer was expected.');
  return value;
}

export function optionalArray(json: JsonObject, name: string, target: string): unknown[] {
  const value = field(json, name);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badRequest(`${target}.${name}`, 'An array was expected.');
  return value;
}

export function stringArray(json: JsonObject, name: string, target: string): string[] {
  return optionalArray(json, name, target).map((item, i) => {
    if (typeof item !== 'string') throw badRequest(`${target}.${name}[${i}]`, 'A string was expected.');
    return item;
  });
}

export function guidValue(value: unknown, target: string): string {
  if (!isGuid(value)) throw badRequest(target, 'Unrecognized Guid format.');
  return normalizeId(value);
}

/** An enum value, matched case-insensitively and answered in the service's spelling. */
export function optionalEnum<T extends string>(json: JsonObject, name: string, values: readonly T[], target: string): T | undefined {
  const value = optionalString(json, name, target);
  if (value === undefined) return undefined;
  const match = values.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
  if (!match) throw badRequest(`${target}.${name}`, `Requested value '${value}' was not found.`);
  return match;
}

import type { EmulatorRequest } from '../core/emulatorServer';
import type { Actor } from './access';
import type { EmbedTokenIssuer } from './embedTokenIssuer';
import type { EmbedUrls } from './embedUrls';
import type { PowerBiModel } from './model';

// What the route modules need from the emulator; the model is read through a getter
// because loading a model JSON swaps it for a new one.

export interface PowerBiContext {
  readonly model: PowerBiModel;
  readonly urls: EmbedUrls;
  readonly issuer: EmbedTokenIssuer;
  /** Authenticates the bearer token and applies `X-PowerBI-Profile-Id`. */
  actor(req: EmulatorRequest): Promise<Actor>;
  /** The `@odata.context` value for an answer, e.g. `$metadata#reports/$entity`. */
  odataContext(fragment: string): string;
}

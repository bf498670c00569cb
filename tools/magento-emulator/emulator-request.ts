/** A request as the emulator's OAuth 1.0a checks see it (raw, before any decoding). */
export interface RawRequest {
  method: string;
  rawPath: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: string; // normalized request URL for the base string
}

// GET /api/schemas: the JSON Schemas (draft-07) of sluice.yaml and of connector specs, generated from the zod schemas;
// the web UI's connector form is drawn from them.

/** The part of draft-07 the generated schemas use. */
export interface JsonSchema {
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  enum?: readonly unknown[];
  const?: unknown;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  definitions?: Record<string, JsonSchema>;
  minimum?: number;
  maximum?: number;
}

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** `GET /api/schemas`. */
export interface Schemas {
  project: JsonSchema;
  connector: JsonSchema;
  /** The filter names connector templates may use (standard Liquid's and Sluice's), for the builder's completion. */
  filters: string[];
}

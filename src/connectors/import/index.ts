export * from './importer.js';
export * from './types.js';
export { decode, parseEncodingOption, type Encoding, type EncodingOption } from './decode.js';
export { planImport } from './plan.js';
export {
  ACCOUNT_OPTIONAL_COLUMNS, ACCOUNT_REQUIRED_COLUMNS, ORGANIZATION_OPTIONAL_COLUMNS, ORGANIZATION_REQUIRED_COLUMNS,
} from './parse.js';

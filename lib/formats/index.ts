// Every provider's CORS formats: reading with detection, writing, converting with losses named. This file only re-exports.

export { convert, writeConfiguration, type Conversion, type ConvertOptions } from './convert.js';
export { parseConfiguration, detectFormat, type ParsedConfiguration } from './parse.js';
export { DIALECTS, FORMATS, FORMAT_NAMES, formatNamed, type RegisteredFormat } from './registry.js';
export { ConversionError, isConversionError, type ConversionErrorCode } from './errors.js';

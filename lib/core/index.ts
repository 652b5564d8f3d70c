// `express-bucket-cors/core`: the dialect-neutral rule engine. This file only re-exports.

export type { CorsConfiguration, CorsMethod, CorsRule, HeaderList, ResourceType } from './model.js';
export { RULE_FIELDS, RULE_FIELDS_BY_ITEM, RULE_FIELDS_BY_KEY, RULE_FIELDS_IN_WIRE_ORDER, buildRule, type RuleField, type RuleFieldKind, type RuleValueType, type WildcardUse, type RuleDraft } from './fields.js';
export {
  findRuleViolation,
  describeRuleViolation,
  assertValidRules,
  RuleViolationError,
  STORED_RULES_PROFILE,
  MAX_STORED_RULES_CHARACTERS,
  type RuleProfile,
  type RuleViolation,
  type RuleViolationCode,
} from './validate.js';
export { compileCorsConfiguration, isCorsMethod, methodBit, MAX_METHODS, type CompiledRules, type CompiledRule } from './compile.js';
export { decidePreflight, decideActual, PREFLIGHT_REQUEST_METHODS, MAX_REQUESTED_HEADERS, MAX_REQUEST_HEADERS_LENGTH } from './decide.js';
export { type CorsRequestInfo, type PreflightDecision, type PreflightRefusal, type PreflightRefusalDecision, type ActualDecision, type ActualMiss } from './decision.js';
export { type BucketCorsState } from './compile.js';
export { type LiteralOrigins, type OriginAnswers } from './literal-origins.js';
export { CORS_VARY, LIST_SEPARATOR, ALLOW_ORIGIN, ALLOW_CREDENTIALS, ALLOW_METHODS, ALLOW_HEADERS, EXPOSE_HEADERS, MAX_AGE } from './response-headers.js';
export { isValidOrigin, isHttpToken } from './headers.js';
export { compileWildcard, matchesWildcard, countWildcards, WILDCARD, type WildcardPattern } from './wildcard.js';
export { ruleLabel, joinWords } from './wording.js';
export { explain, type ExplainRequest, type ExplainOptions, type ExplainSource, type Explanation, type CandidateExplanation, type ExplainCondition, type RuleExplanation } from './explain.js';
export { decisionDifference, comparableDecision, type DecisionDifference, type ComparableAnswer } from './report-only.js';
export { lint, CHROMIUM_MAX_AGE_SECONDS, FIREFOX_MAX_AGE_SECONDS, type LintCode, type LintWarning, type LintPack, type LintOptions } from './lint.js';
export { selectionDifferences, type RuleSelection, type SelectionDifference } from './selection.js';
export { diffConfigurations, groupConfigurations, type ConfigurationDiff, type RuleDifference, type FieldDifference, type ConfigurationGroup } from './drift.js';

// The `regex` parser: the pattern's named groups become string fields.
import { StageError } from '../../core/errors.ts';
import type { ParsedRecord } from '../../core/record.ts';
import { compileUserRegex } from './regex.ts';

export function compileRegexParser(cfg: { pattern: string }): (text: string) => ParsedRecord {
  const re = compileUserRegex(cfg.pattern);
  if (re.groupNames.length === 0) {
    throw new Error(
      `regex parser: /${cfg.pattern}/ has no named groups like (?<name>…), so it would yield no fields`,
    );
  }
  return (text) => {
    const groups = re.exec(text);
    if (!groups) {
      throw new StageError('PARSE_REGEX_NO_MATCH', `the line does not match /${cfg.pattern}/`, {
        errorClass: 'NoMatch',
      });
    }
    return groups;
  };
}

// The `regex` parser: the pattern's named groups become string fields.
import { StageError } from '../../core/errors.ts';
import type { ParsedRecord } from '../../core/record.ts';
import type { UserRegex } from './regex.ts';

/** `re`: the compiled pattern, with at least one named group (see buildParser). */
export function compileRegexParser(re: UserRegex, pattern: string): (text: string) => ParsedRecord {
  return (text) => {
    const groups = re.exec(text);
    if (!groups) {
      throw new StageError('PARSE_REGEX_NO_MATCH', `the line does not match /${pattern}/`, {
        errorClass: 'NoMatch',
      });
    }
    return groups;
  };
}

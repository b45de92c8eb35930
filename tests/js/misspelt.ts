// A consumer that misspells an error code. The declarations type
// `CountersignError.code` with the `ErrorCode` union, so tsc must refuse
// this file, with one error only (TS2367, the comparison below): cargo xtask
// test runs tsc -p tests/js/tsconfig.misspelt.json and requires that.

import { CountersignError } from 'countersign';

/** Whether the error is a wrong verification code, misspelt. */
export function isWrongCode(error: CountersignError): boolean {
  return error.code === 'wrong_cod';
}

// The whole C boundary of scamflow: 8-bit PCRE2. Only the PCRE2 Swift target imports this.
// The unsuffixed names (pcre2_compile, ...) are token-pasting macros that Swift cannot import,
// so Swift code calls the `_8` functions directly.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

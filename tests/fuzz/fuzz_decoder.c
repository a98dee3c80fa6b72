/* fuzz_decoder: libFuzzer harness feeding arbitrary bytes to the trace reader as a whole
 * file (zstd frames and all). Built and run by `make fuzz`. */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(data, size);
	return 0;
}

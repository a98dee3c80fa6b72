/* fuzz_records: libFuzzer harness for the record parser. The input is a decompressed record
 * stream (HEADER first); the harness compresses it into one valid zstd frame, so mutations
 * reach the record decoding instead of dying in zstd's checks. Built and run by `make fuzz`. */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_records(data, size);
	return 0;
}

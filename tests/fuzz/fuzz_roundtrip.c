/* fuzz_roundtrip: libFuzzer harness for the encoder: the input describes events (extreme
 * addresses, reused addresses for back-references, seq jumps, devices, stacks), which are
 * written with mtf_writer and must read back exactly. Built and run by `make fuzz`. */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_roundtrip(data, size);
	return 0;
}

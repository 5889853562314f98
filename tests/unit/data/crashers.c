/*
 * crashers.c — a libFuzzer target that crashes on purpose, one way per
 * first input byte.  Used once to capture the real sanitizer reports in
 * this folder (see README.md); not built by the project.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile int sink;

__attribute__((noinline)) static int read_u32(const uint8_t *p)
{
	return p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

__attribute__((noinline)) static int field_length(const uint8_t *data, size_t size)
{
	int *v = malloc(sizeof(int) * (size > 100 ? 4 : 2));
	int r;

	memcpy(v, data, size < 8 ? size : 8);
	r = v[2]; /* heap-buffer-overflow READ 4 */
	free(v);
	return r + read_u32(data);
}

__attribute__((noinline)) static int parse_packet(const uint8_t *data, size_t size)
{
	return field_length(data, size);
}

__attribute__((noinline)) static void deref(int *p)
{
	sink = *p;
}

__attribute__((noinline)) static void keep_name(const uint8_t *data, size_t size)
{
	char *name = malloc(size + 1);

	memcpy(name, data, size);
	name[size] = 0;
	sink = name[0]; /* never freed */
}

__attribute__((noinline)) static int add_lengths(int a, int b)
{
	return a + b;
}

__attribute__((noinline)) static void compare_decoders(const uint8_t *data, size_t size)
{
	fprintf(stderr, "sshdiff-parser-divergence: fuzz_crashers|kexinit: engine accepts, verifier rejects (RFC4253-7.1-reserved)\n");
	abort();
}

__attribute__((noinline)) static void spin(const uint8_t *data)
{
	while (data[0] == 't')
		sink++;
}

__attribute__((noinline)) static void use_after_free(void)
{
	char *p = malloc(16);

	free(p);
	sink = p[3];
}

__attribute__((noinline)) static void grow_table(size_t size)
{
	char *p = malloc(size << 28);

	if (p)
		p[0] = 1;
	sink = p ? p[0] : 0;
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0]) {
	case 'h':
		sink = parse_packet(data, size);
		break;
	case 's':
		deref((int *)(uintptr_t)(size > 100 ? 8 : 0));
		break;
	case 'l':
		keep_name(data, size);
		break;
	case 'u':
		sink = add_lengths(0x7fffffff, (int)size);
		break;
	case 'd':
		compare_decoders(data, size);
		break;
	case 't':
		spin(data);
		break;
	case 'f':
		use_after_free();
		break;
	case 'm':
		grow_table(size);
		break;
	}
	return 0;
}

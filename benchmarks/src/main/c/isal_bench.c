/*
 * The native reference for Albireo's erasure coding benchmark: Intel ISA-L called from C, with the same shapes,
 * fragment size, generator (gf_gen_cauchy1_matrix) and erasures as io.albireo.benchmarks.erasure.ErasureBenchmark,
 * on one thread, timed the same way (warm-up, then a fixed time). It prints in ErasureReport's layout.
 *
 * Built and run by ./albireo bench erasure:  gcc -O2 -o isal_bench isal_bench.c -lisal
 * Usage: isal_bench [fragment-bytes [seconds]]
 */
#include <isa-l/erasure_code.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned char *region(size_t size)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, size) != 0) {
        perror("posix_memalign");
        exit(1);
    }
    return p;
}

/* Runs ec_encode_data for `seconds` after a warm-up of a fifth of that; returns GB/s of the k inputs. */
static double measure(int len, int k, int rows, unsigned char *tables, unsigned char **in, unsigned char **out,
                      double seconds)
{
    double warm_end = now() + seconds / 5;
    while (now() < warm_end)
        ec_encode_data(len, k, rows, tables, in, out);
    long ops = 0;
    double start = now(), end = start + seconds, t;
    do {
        ec_encode_data(len, k, rows, tables, in, out);
        ops++;
        t = now();
    } while (t < end);
    return (double)ops * k * len / (t - start) / 1e9;
}

static void run(int k, int m, int len, double seconds)
{
    int n = k + m;
    char label[16];
    snprintf(label, sizeof label, "%d+%d", k, m);
    unsigned char *matrix = malloc(n * k), *tables = malloc(32 * k * m);
    unsigned char *fragments[n], *rebuilt[m];
    for (int i = 0; i < n; i++)
        fragments[i] = region(len);
    for (int i = 0; i < m; i++)
        rebuilt[i] = region(len);
    srand(1);
    for (int i = 0; i < k; i++)
        for (int b = 0; b < len; b++)
            fragments[i][b] = rand();

    gf_gen_cauchy1_matrix(matrix, n, k);
    ec_init_tables(k, m, matrix + k * k, tables);
    printf("isal-c %-6s native   %8d  %-9s %8.2f\n", label, len, "encode",
           measure(len, k, m, tables, fragments, fragments + k, seconds));

    /* Decode: the first min(m, k) data fragments are lost; rebuild them from the next k fragments. */
    int lost = m < k ? m : k;
    unsigned char *sub = malloc(k * k), *inverse = malloc(k * k), *rows = malloc(lost * k);
    unsigned char *sources[k];
    for (int i = 0; i < k; i++) {
        sources[i] = fragments[lost + i];
        memcpy(sub + i * k, matrix + (lost + i) * k, k);
    }
    if (gf_invert_matrix(sub, inverse, k) != 0) {
        fprintf(stderr, "singular matrix for RS(%d,%d)\n", k, m);
        exit(1);
    }
    for (int w = 0; w < lost; w++)
        memcpy(rows + w * k, inverse + w * k, k); /* data fragment w = row w of the inverse */
    ec_init_tables(k, lost, rows, tables);
    double decode = measure(len, k, lost, tables, sources, rebuilt, seconds);
    for (int w = 0; w < lost; w++)
        if (memcmp(rebuilt[w], fragments[w], len) != 0) {
            fprintf(stderr, "decode did not restore fragment %d of RS(%d,%d)\n", w, k, m);
            exit(1);
        }
    printf("isal-c %-6s native   %8d  %-9s %8.2f\n", label, len, "decode", decode);

    for (int i = 0; i < n; i++)
        free(fragments[i]);
    for (int i = 0; i < m; i++)
        free(rebuilt[i]);
    free(matrix);
    free(tables);
    free(sub);
    free(inverse);
    free(rows);
}

int main(int argc, char **argv)
{
    int len = argc > 1 ? atoi(argv[1]) : 1 << 20;
    double seconds = argc > 2 ? atof(argv[2]) : 5;
    int shapes[][2] = {{4, 2}, {8, 2}, {8, 3}, {16, 4}};
    printf("impl   shape  buffers  fragment  operation     GB/s\n");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        run(shapes[s][0], shapes[s][1], len, seconds);
    return 0;
}

/*
 * The fused ASGD update of the optimizer-phase benchmark in C, as the physical limit of one core:
 * global-norm clip, float weight decay and the SAG step over float32 tensors, with the same
 * arithmetic as sagraph's fused_asgd (float32 rounding at each step).
 *   cc -O3 -o asgd_update asgd_update.c && ./asgd_update <elements> <tensors> <batchNum> <runs>
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  long total = argc > 1 ? atol(argv[1]) : 16000000;
  int tensors = argc > 2 ? atoi(argv[2]) : 10;
  int N = argc > 3 ? atoi(argv[3]) : 8;
  int runs = argc > 4 ? atoi(argv[4]) : 5;
  long per = total / tensors;
  float **x = malloc(sizeof(float *) * tensors), **g = malloc(sizeof(float *) * tensors);
  float **d = malloc(sizeof(float *) * tensors), **y = malloc(sizeof(float *) * tensors);
  for (int k = 0; k < tensors; k++) {
    x[k] = malloc(sizeof(float) * per);
    g[k] = malloc(sizeof(float) * per);
    d[k] = calloc(per, sizeof(float));
    y[k] = calloc(per * N, sizeof(float));
    /* touch every page now: first touches inside the timed loop cost ~10x (TOOLCHAIN.md) */
    for (long i = 0; i < per * N; i++) y[k][i] = 0.0f;
    for (long i = 0; i < per; i++) {
      d[k][i] = 0.0f;
      x[k][i] = 0.5f;
      g[k][i] = (float)(sin(i * 0.001 + k) * 1e-3);
    }
  }
  const float lr = 0.01f, lambda = 0.01f, clip = 1.0f;
  double *times = malloc(sizeof(double) * (runs + 1));
  for (int r = 0; r <= runs; r++) {
    double t0 = now_ms();
    double sq = 0;
    for (int k = 0; k < tensors; k++) {
      double s = 0;
      for (long i = 0; i < per; i++) s += (double)g[k][i] * g[k][i];
      sq += (float)s;
    }
    float norm = sqrtf((float)sq);
    float scale = clip / (norm > clip ? norm : clip);
    long m = r;
    float n = (float)(m + 1 < N ? m + 1 : N);
    float step = lr / n, lrl = lr * lambda;
    long slot = m % N;
    for (int k = 0; k < tensors; k++) {
      float *xs = x[k], *gs = g[k], *ds = d[k], *ys = y[k] + slot * per;
      for (long i = 0; i < per; i++) {
        float gi = gs[i] * scale;
        float xe = xs[i] - xs[i] * lrl;
        float di = (ds[i] - ys[i]) + gi;
        ds[i] = di;
        ys[i] = gi;
        xs[i] = xe - step * di;
      }
    }
    times[r] = now_ms() - t0;
  }
  qsort(times + 1, runs, sizeof(double), cmp);
  printf("%.3f\n", runs % 2 ? times[1 + runs / 2] : (times[runs / 2] + times[runs / 2 + 1]) / 2);
  return 0;
}

/*
 * The realtime bench's receiving side in C (`--generator c`): the Node generator
 * (bench/realtime-generator.ts) opens and subscribes every socket exactly as in `--generator node`,
 * then hands them to this process as file descriptors 3 .. 3+N-1 and only sends the writes. Here one
 * epoll loop reads every socket, so reading a delivery costs one read() system call instead of the
 * Node stream machinery: the generator shares the machine's 2 cores with the server, like wrk does.
 *
 * Compiled at bench time with the machine's C compiler (never committed as a binary):
 *   cc -O2 -o realtime-receiver bench/realtime-receiver.c
 *
 * Latency is measured as in the Node generator: from the send time of the write (taken by the Node
 * generator with process.hrtime, i.e. CLOCK_MONOTONIC, and passed here) to the arrival of the whole
 * frame carrying the record title `w<seq>` (SSE frames end with "\n\n", WebSocket event messages
 * with "}}"); frames are found with a byte search, not parsed. The histogram and its quantiles are
 * the Node generator's (0.1 ms buckets up to 1 s, then 1 ms buckets up to 60 s).
 *
 * Commands on stdin, one per line; answers on stdout, one line each:
 *   s <seq> <sent_ns>   the write carrying title w<seq> was sent at sent_ns
 *   r                   a new step: reset the histogram and the counters
 *   q                   -> "c <delivered> <last_delivery_ns>"
 *   e                   -> "h <delivered> <p50_ms> <p99_ms> <max_ms> <last_delivery_ns>"
 * Usage: realtime-receiver <sockets> <sse|ws> <max_seq>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define FINE 10000
#define COARSE 60000
#define CARRY 64

static const char MARK[] = "\"title\":\"w";
#define MARK_LEN (sizeof(MARK) - 1)

static uint32_t fine[FINE];
static uint32_t coarse[COARSE];
static uint64_t count, delivered;
static double max_ms;
static int64_t last_ns;
static int64_t *sent;
static long max_seq;
static const char *end_bytes;
static size_t end_len;

struct conn {
  /* Bytes of an unfinished frame or mark kept from the previous read. */
  unsigned char carry[CARRY];
  int carry_len;
  /* A frame whose mark arrived but whose end did not yet: its seq, else -1. */
  long open_seq;
};

static struct conn *conns;
static int nconns;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void hist_add(double ms) {
  count++;
  if (ms > max_ms) max_ms = ms;
  if (ms < 1000) {
    long i = (long)(ms * 10);
    fine[i < 0 ? 0 : i]++;
  } else {
    long i = (long)ms;
    coarse[i >= COARSE ? COARSE - 1 : i]++;
  }
}

static double quantile(double q) {
  double t = (double)count * q;
  uint64_t target = (uint64_t)t;
  if ((double)target < t) target++;
  uint64_t seen = 0;
  for (int i = 0; i < FINE; i++)
    if ((seen += fine[i]) >= target) return (i + 1) / 10.0;
  for (int i = 1000; i < COARSE; i++)
    if ((seen += coarse[i]) >= target) return i + 1;
  return max_ms;
}

static char cmd[1 << 16];
static size_t cmd_len;

/* Reads and applies whatever commands wait on stdin (non-blocking); 0 when stdin closed. */
static int read_commands(void) {
  for (;;) {
    ssize_t n = read(0, cmd + cmd_len, sizeof cmd - cmd_len);
    if (n == 0) return 0;
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 1 : 0;
    cmd_len += (size_t)n;
    size_t start = 0;
    for (size_t i = 0; i < cmd_len; i++) {
      if (cmd[i] != '\n') continue;
      cmd[i] = 0;
      char *line = cmd + start;
      start = i + 1;
      if (line[0] == 's') {
        long seq;
        long long at;
        if (sscanf(line + 1, "%ld %lld", &seq, &at) == 2 && seq >= 0 && seq <= max_seq) sent[seq] = at;
      } else if (line[0] == 'r') {
        memset(fine, 0, sizeof fine);
        memset(coarse, 0, sizeof coarse);
        count = delivered = 0;
        max_ms = 0;
        last_ns = 0;
      } else if (line[0] == 'q') {
        printf("c %llu %lld\n", (unsigned long long)delivered, (long long)last_ns);
        fflush(stdout);
      } else if (line[0] == 'e') {
        printf("h %llu %.1f %.1f %.3f %lld\n", (unsigned long long)delivered, quantile(0.5), quantile(0.99), max_ms, (long long)last_ns);
        fflush(stdout);
      }
    }
    memmove(cmd, cmd + start, cmd_len - start);
    cmd_len -= start;
  }
}

static void deliver(long seq, int64_t at) {
  if (seq < 0 || seq > max_seq) return;
  if (sent[seq] == 0) read_commands(); /* the send time may still wait in the pipe */
  if (sent[seq] == 0) return;
  hist_add((double)(at - sent[seq]) / 1e6);
  delivered++;
  last_ns = at;
}

/* Scans `b[0..n)` (the carry, then this read): counts each frame whose end arrived. */
static void scan(struct conn *c, const unsigned char *b, size_t n, int64_t at) {
  size_t i = 0;
  for (;;) {
    if (c->open_seq >= 0) {
      const unsigned char *e = memmem(b + i, n - i, end_bytes, end_len);
      if (e == NULL) break;
      deliver(c->open_seq, at);
      c->open_seq = -1;
      i = (size_t)(e - b) + end_len;
    }
    const unsigned char *m = memmem(b + i, n - i, MARK, MARK_LEN);
    if (m == NULL) break;
    size_t d = (size_t)(m - b) + MARK_LEN;
    long seq = 0;
    while (d < n && b[d] >= '0' && b[d] <= '9') seq = seq * 10 + (b[d++] - '0');
    if (d == n) {
      /* The number may go on in the next read: keep the mark. */
      size_t keep = n - (size_t)(m - b);
      if (keep > CARRY) keep = CARRY;
      memcpy(c->carry, m, keep);
      c->carry_len = (int)keep;
      return;
    }
    c->open_seq = seq;
    i = d;
  }
  /* A mark or an end may be split across reads: keep the last bytes that could start one. */
  size_t keep = MARK_LEN - 1 > end_len ? MARK_LEN - 1 : end_len;
  if (keep > n - i) keep = n - i;
  memcpy(c->carry, b + n - keep, keep);
  c->carry_len = (int)keep;
}

static unsigned char buf[CARRY + (1 << 18)];

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: realtime-receiver <sockets> <sse|ws> <max_seq>\n");
    return 2;
  }
  nconns = atoi(argv[1]);
  int sse = strcmp(argv[2], "sse") == 0;
  end_bytes = sse ? "\n\n" : "}}";
  end_len = 2;
  max_seq = atol(argv[3]);
  sent = calloc((size_t)max_seq + 1, sizeof *sent);
  conns = calloc((size_t)nconns, sizeof *conns);
  if (sent == NULL || conns == NULL) return 1;
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN};
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  ev.data.u32 = UINT32_MAX;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) != 0) return 1;
  for (int i = 0; i < nconns; i++) {
    int fd = 3 + i;
    conns[i].open_seq = -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    ev.data.u32 = (uint32_t)i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
      fprintf(stderr, "realtime-receiver: fd %d: %s\n", fd, strerror(errno));
      return 1;
    }
  }
  struct epoll_event events[512];
  for (;;) {
    int n = epoll_wait(ep, events, 512, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    /* Send times first: a frame never arrives before its write was sent. */
    for (int k = 0; k < n; k++)
      if (events[k].data.u32 == UINT32_MAX && !read_commands()) return 0;
    for (int k = 0; k < n; k++) {
      uint32_t i = events[k].data.u32;
      if (i == UINT32_MAX) continue;
      struct conn *c = &conns[i];
      memcpy(buf, c->carry, (size_t)c->carry_len);
      ssize_t got = read(3 + (int)i, buf + c->carry_len, sizeof buf - CARRY);
      if (got <= 0) {
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        epoll_ctl(ep, EPOLL_CTL_DEL, 3 + (int)i, NULL);
        close(3 + (int)i);
        continue;
      }
      int64_t at = now_ns();
      scan(c, buf, (size_t)c->carry_len + (size_t)got, at);
    }
  }
}

// AF_PACKET socket for openelb-ts: one raw socket bound to one interface, a classic BPF filter,
// libuv polling with a JS callback per frame, synchronous send, multicast membership.
// Everything above the socket (frame codecs, reopen policy) lives in TypeScript.
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define RECV_BUF 9216   // jumbo frame; longer frames arrive truncated (the codecs reject them)
#define RECV_BATCH 64   // frames drained per wakeup before yielding to the loop

typedef struct {
  napi_env env;
  uv_poll_t poll;
  int fd;
  int ifindex;
  int polling;     // uv_poll active
  int closed;      // close() done (fd closed, uv_close requested)
  int handle_open; // uv handle initialised and not yet closed by libuv
  int finalized;   // JS object collected
  napi_ref self;   // strong while open, so an open socket is never collected
  napi_ref on_frame;
  napi_ref on_error;
  napi_async_context async;
  unsigned char buf[RECV_BUF];
} sock_t;

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "EADDON", "N-API call failed: " #call);   \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value errno_error(napi_env env, int err, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value m, e, n;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, NULL, m, &e);
  napi_create_int32(env, err, &n);
  napi_set_named_property(env, e, "errno", n);
  napi_throw(env, e);
  return NULL;
}

static napi_value int_result(napi_env env, int v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

static void free_sock(sock_t *s) {
  napi_env env = s->env;
  if (s->on_frame) napi_delete_reference(env, s->on_frame);
  if (s->on_error) napi_delete_reference(env, s->on_error);
  free(s);
}

static void on_uv_closed(uv_handle_t *h) {
  sock_t *s = h->data;
  s->handle_open = 0;
  if (s->finalized) free_sock(s);
}

static void close_env_hook(void *arg);

// Stops polling, closes the fd, lets libuv release the handle. Idempotent.
static void do_close(sock_t *s) {
  if (s->closed) return;
  s->closed = 1;
  napi_remove_env_cleanup_hook(s->env, close_env_hook, s);
  if (s->polling) uv_poll_stop(&s->poll);
  s->polling = 0;
  if (s->handle_open) uv_close((uv_handle_t *)&s->poll, on_uv_closed);
  close(s->fd);
  s->fd = -1;
  if (s->async) {
    napi_async_destroy(s->env, s->async);
    s->async = NULL;
  }
  if (s->self) {
    napi_delete_reference(s->env, s->self);
    s->self = NULL;
  }
}

static void close_env_hook(void *arg) { do_close(arg); }

static void finalize(napi_env env, void *data, void *hint) {
  sock_t *s = data;
  do_close(s);
  s->finalized = 1;
  if (!s->handle_open) free_sock(s);
}

static void call_js(sock_t *s, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_env env = s->env;
  napi_value fn, recv;
  if (napi_get_reference_value(env, fn_ref, &fn) != napi_ok || fn == NULL) return;
  if (s->self == NULL || napi_get_reference_value(env, s->self, &recv) != napi_ok) napi_get_undefined(env, &recv);
  napi_value result;
  if (napi_make_callback(env, s->async, recv, fn, argc, argv, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);  // process 'uncaughtException'; the TS wrapper never throws here
  }
}

static void report_error(sock_t *s, int err) {
  napi_handle_scope scope;
  napi_open_handle_scope(s->env, &scope);
  napi_value arg;
  napi_create_int32(s->env, err, &arg);
  call_js(s, s->on_error, 1, &arg);
  napi_close_handle_scope(s->env, scope);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  sock_t *s = h->data;
  if (s->closed) return;
  if (status < 0) {
    // POLLERR: libuv has stopped the handle. Read and clear the socket error (ENETDOWN on link down,
    // interface removal); JS decides whether to resume() or reopen.
    s->polling = 0;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    report_error(s, err);
    return;
  }
  for (int i = 0; i < RECV_BATCH && !s->closed; i++) {
    struct sockaddr_ll from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(s->fd, s->buf, sizeof s->buf, MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      report_error(s, errno);
      break;
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    size_t len = (size_t)n > sizeof s->buf ? sizeof s->buf : (size_t)n;
    napi_handle_scope scope;
    napi_open_handle_scope(s->env, &scope);
    napi_value argv[2];
    napi_create_buffer_copy(s->env, len, s->buf, NULL, &argv[0]);
    napi_create_int32(s->env, from.sll_pkttype, &argv[1]);
    call_js(s, s->on_frame, 2, argv);
    napi_close_handle_scope(s->env, scope);
  }
}

static int attach_filter(int fd, const void *code, size_t bytes) {
  struct sock_fprog prog = {.len = (unsigned short)(bytes / sizeof(struct sock_filter)),
                            .filter = (struct sock_filter *)code};
  return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0 ? 0 : errno;
}

static sock_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return data;
}

// new Socket(ifname, filter: Buffer | null, onFrame(frame, pkttype), onError(errno))
static napi_value Socket_new(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  char ifname[IF_NAMESIZE + 1];
  size_t nlen = 0;
  if (argc < 4 || napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &nlen) != napi_ok || nlen == 0 ||
      nlen >= IF_NAMESIZE) {
    napi_throw_type_error(env, NULL, "Socket(ifname, filter, onFrame, onError): bad arguments");
    return NULL;
  }
  void *fcode = NULL;
  size_t fbytes = 0;
  napi_valuetype ft;
  napi_typeof(env, argv[1], &ft);
  if (ft != napi_null && ft != napi_undefined) {
    if (napi_get_buffer_info(env, argv[1], &fcode, &fbytes) != napi_ok || fbytes % sizeof(struct sock_filter) != 0) {
      napi_throw_type_error(env, NULL, "filter must be a Buffer of struct sock_filter");
      return NULL;
    }
  }
  unsigned ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return errno_error(env, errno, ifname);
  // Protocol 0: the socket receives nothing until bind(), so no frame from another interface slips in
  // before the filter and the binding are in place.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error(env, errno, "socket(AF_PACKET)");
  int one = 1, err;
  if (fcode != NULL && (err = attach_filter(fd, fcode, fbytes)) != 0) {
    close(fd);
    return errno_error(env, err, "SO_ATTACH_FILTER");
  }
  setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);  // best effort; pkttype check backs it up
  struct sockaddr_ll sll = {0};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) != 0) {
    err = errno;
    close(fd);
    return errno_error(env, err, ifname);
  }
  sock_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return errno_error(env, ENOMEM, "calloc");
  }
  s->env = env;
  s->fd = fd;
  s->ifindex = (int)ifindex;
  s->poll.data = s;
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init_socket(loop, &s->poll, fd) != 0) {
    close(fd);
    free(s);
    napi_throw_error(env, "EADDON", "uv_poll_init failed");
    return NULL;
  }
  s->handle_open = 1;
  napi_value name;
  napi_create_string_utf8(env, "openelb:afpacket", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[2], 1, &s->on_frame);
  napi_create_reference(env, argv[3], 1, &s->on_error);
  napi_async_init(env, self, name, &s->async);
  if (napi_wrap(env, self, s, finalize, NULL, NULL) != napi_ok) {
    do_close(s);
    napi_throw_error(env, "EADDON", "napi_wrap failed");
    return NULL;
  }
  napi_create_reference(env, self, 1, &s->self);
  napi_add_env_cleanup_hook(env, close_env_hook, s);
  if ((err = uv_poll_start(&s->poll, UV_READABLE, on_poll)) != 0) {
    do_close(s);
    return errno_error(env, -err, "uv_poll_start");
  }
  s->polling = 1;
  return self;
}

// send(frame: Buffer) -> 0 or errno
static napi_value Socket_send(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  sock_t *s = unwrap(env, info, &argc, argv);
  void *data;
  size_t len;
  if (s == NULL || argc < 1 || napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "send(frame: Buffer)");
    return NULL;
  }
  if (s->closed) return int_result(env, EBADF);
  ssize_t n = send(s->fd, data, len, 0);
  return int_result(env, n < 0 ? errno : ((size_t)n == len ? 0 : EMSGSIZE));
}

static napi_value membership(napi_env env, napi_callback_info info, int optname) {
  size_t argc = 1;
  napi_value argv[1];
  sock_t *s = unwrap(env, info, &argc, argv);
  struct packet_mreq mr = {0};
  if (s == NULL) return NULL;
  mr.mr_ifindex = s->ifindex;
  void *mac = NULL;
  size_t len = 0;
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);
  if (t == napi_null || t == napi_undefined) {
    mr.mr_type = PACKET_MR_ALLMULTI;
  } else if (napi_get_buffer_info(env, argv[0], &mac, &len) == napi_ok && len == ETH_ALEN) {
    mr.mr_type = PACKET_MR_MULTICAST;
    mr.mr_alen = ETH_ALEN;
    memcpy(mr.mr_address, mac, ETH_ALEN);
  } else {
    napi_throw_type_error(env, NULL, "membership(mac: Buffer(6) | null)");
    return NULL;
  }
  if (s->closed) return int_result(env, EBADF);
  return int_result(env, setsockopt(s->fd, SOL_PACKET, optname, &mr, sizeof mr) == 0 ? 0 : errno);
}

// addMembership(mac | null) / dropMembership(mac | null) -> 0 or errno; null = all-multicast
static napi_value Socket_addMembership(napi_env env, napi_callback_info info) {
  return membership(env, info, PACKET_ADD_MEMBERSHIP);
}
static napi_value Socket_dropMembership(napi_env env, napi_callback_info info) {
  return membership(env, info, PACKET_DROP_MEMBERSHIP);
}

// setFilter(code: Buffer) -> 0 or errno
static napi_value Socket_setFilter(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  sock_t *s = unwrap(env, info, &argc, argv);
  void *code;
  size_t bytes;
  if (s == NULL || argc < 1 || napi_get_buffer_info(env, argv[0], &code, &bytes) != napi_ok ||
      bytes % sizeof(struct sock_filter) != 0) {
    napi_throw_type_error(env, NULL, "setFilter(code: Buffer)");
    return NULL;
  }
  if (s->closed) return int_result(env, EBADF);
  return int_result(env, attach_filter(s->fd, code, bytes));
}

// resume() -> 0 or errno: restart polling after an error report stopped it
static napi_value Socket_resume(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  sock_t *s = unwrap(env, info, &argc, NULL);
  if (s == NULL) return NULL;
  if (s->closed) return int_result(env, EBADF);
  if (s->polling) return int_result(env, 0);
  int err = uv_poll_start(&s->poll, UV_READABLE, on_poll);
  if (err == 0) s->polling = 1;
  return int_result(env, -err);
}

static napi_value Socket_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  sock_t *s = unwrap(env, info, &argc, NULL);
  if (s != NULL) do_close(s);
  return NULL;
}

static napi_value set_ref(napi_env env, napi_callback_info info, int on) {
  size_t argc = 0;
  sock_t *s = unwrap(env, info, &argc, NULL);
  if (s != NULL && s->handle_open && !s->closed) {
    if (on) uv_ref((uv_handle_t *)&s->poll);
    else uv_unref((uv_handle_t *)&s->poll);
  }
  return NULL;
}
static napi_value Socket_ref(napi_env env, napi_callback_info info) { return set_ref(env, info, 1); }
static napi_value Socket_unref(napi_env env, napi_callback_info info) { return set_ref(env, info, 0); }

static napi_value Socket_ifindex(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  sock_t *s = unwrap(env, info, &argc, NULL);
  return s == NULL ? NULL : int_result(env, s->ifindex);
}

// interfaceInfo(ifname) -> { ifindex, mac: Buffer, flags, mtu } or errno (number)
static napi_value InterfaceInfo(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct ifreq ifr = {0};
  size_t nlen = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], ifr.ifr_name, sizeof ifr.ifr_name, &nlen) != napi_ok ||
      nlen == 0 || nlen >= IF_NAMESIZE) {
    napi_throw_type_error(env, NULL, "interfaceInfo(ifname: string)");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return int_result(env, errno);
  int ifindex, flags, mtu;
  unsigned char mac[ETH_ALEN];
  int err = 0;
  if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0) err = errno;
  ifindex = ifr.ifr_ifindex;
  if (!err && ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) err = errno;
  flags = ifr.ifr_flags;
  if (!err && ioctl(fd, SIOCGIFMTU, &ifr) != 0) err = errno;
  mtu = ifr.ifr_mtu;
  if (!err && ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) err = errno;
  memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
  close(fd);
  if (err) return int_result(env, err);
  napi_value obj, v;
  CHECK(napi_create_object(env, &obj));
  napi_set_named_property(env, obj, "ifindex", int_result(env, ifindex));
  napi_set_named_property(env, obj, "flags", int_result(env, flags));
  napi_set_named_property(env, obj, "mtu", int_result(env, mtu));
  CHECK(napi_create_buffer_copy(env, ETH_ALEN, mac, NULL, &v));
  napi_set_named_property(env, obj, "mac", v);
  return obj;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"send", NULL, Socket_send, NULL, NULL, NULL, napi_default, NULL},
      {"addMembership", NULL, Socket_addMembership, NULL, NULL, NULL, napi_default, NULL},
      {"dropMembership", NULL, Socket_dropMembership, NULL, NULL, NULL, napi_default, NULL},
      {"setFilter", NULL, Socket_setFilter, NULL, NULL, NULL, napi_default, NULL},
      {"resume", NULL, Socket_resume, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, Socket_close, NULL, NULL, NULL, napi_default, NULL},
      {"ref", NULL, Socket_ref, NULL, NULL, NULL, napi_default, NULL},
      {"unref", NULL, Socket_unref, NULL, NULL, NULL, napi_default, NULL},
      {"ifindex", NULL, NULL, Socket_ifindex, NULL, NULL, napi_default, NULL},
  };
  napi_value cls, fn;
  CHECK(napi_define_class(env, "Socket", NAPI_AUTO_LENGTH, Socket_new, NULL, sizeof methods / sizeof methods[0],
                          methods, &cls));
  CHECK(napi_set_named_property(env, exports, "Socket", cls));
  CHECK(napi_create_function(env, "interfaceInfo", NAPI_AUTO_LENGTH, InterfaceInfo, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "interfaceInfo", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)

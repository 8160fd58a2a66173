// The C boundary of scamflow's NATS transport: the NATS C client (libnats, Debian's
// libnats-dev). Only the NATS Swift target imports this.
#include <nats/nats.h>

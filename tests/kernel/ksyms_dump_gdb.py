# Sourced inside GDB by test_ksyms.py (after vmlayout-gdb.py and `target
# remote`): writes what the GDB bridge reads of the guest kernel's own
# symbols to $VMLAYOUT_KSYMS_OUT as JSON, with the cold-load statistics and
# the same symbols loaded again without types (VML_KSYMS_NO_TYPES).
import json
import os
import time

import vmlayout
import vmlayout_gdb_qemu as q



def stats():
    st = q._session.stats()
    d = {name: getattr(st, name) for name, _ in st._fields_}
    d["remote_reads"] = q._session.remote_reads
    return d


out = {}
stats0 = stats()
t0 = time.monotonic()
ks = q.kernel_symbols(load=True)
out["load_seconds"] = time.monotonic() - t0
out["error"] = q.symbols_error()
if ks is not None:
    out["description"] = ks.description
    out["has_types"] = ks.has_types
    out["symbols"] = [(s["name"], s["addr"], s["type"], s["absolute"])
                      for s in ks]
    k = q.cached_kernel()
    bare = q._reading(lambda: vmlayout.KernelSymbols.load(k, types=False))
    out["bare"] = {"description": bare.description,
                   "has_types": bare.has_types, "count": len(bare),
                   "start_kernel": bare.lookup("start_kernel")}
    bare.close()
out["stats_before"] = stats0
out["stats_after"] = stats()
with open(os.environ["VMLAYOUT_KSYMS_OUT"], "w") as f:
    json.dump(out, f)

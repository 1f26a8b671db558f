import json, time
from tests.reliability.test_tampering import *
from tests.reliability.test_tampering import _audit_kinds, _update_total
def test_x(running):
    rig, sheet = running, running.sheet
    tamper.delete_rows(sheet, 3, 4)
    _update_total(rig, 5, "777.00")
    time.sleep(8)
    k=_audit_kinds(sheet); print([x for x in k if "row" in x or "layout" in x])
    ids = sheet.column("Order ID", tab="Audit Log"); print(list(zip(ids, k))[-14:])
    print(sheet.column("Order ID"))
    print(rig.serve.log()[-3000:])

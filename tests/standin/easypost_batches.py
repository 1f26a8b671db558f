"""Batch routes of the EasyPost stand-in (tests/standin/easypost.py): create (empty, with shipment
ids, or with new shipments), buy, add and remove shipments, and the batch label PDF that EasyPost
renders in the background."""
from __future__ import annotations

from typing import Any

from flask import Response, request

from tests.standin import easypost_objects as ep


class BatchRoutes:
    """Mixed into EasyPostStandin, which holds shipments, batches and the lock."""

    def _batch_rules(self) -> list[tuple[str, Any, str]]:
        """The batch routes (path, view, method); also sets up the batch bookkeeping."""
        self._polls: dict[str, int] = {}  # batch id -> retrieves since its label was asked for
        self.batch_files: dict[str, bytes] = {}  # file name -> the batch PDF made (one page per label)
        self._to_buy: dict[str, list[tuple[str, str, str]]] = {}  # batch id -> (shipment, carrier, service)
        return [("/v2/batches", self._create_batch, "POST"), ("/v2/batches/<bid>", self._get_batch, "GET"),
                ("/v2/batches/<bid>/buy", self._buy_batch, "POST"),
                ("/v2/batches/<bid>/add_shipments", self._add_shipments, "POST"),
                ("/v2/batches/<bid>/remove_shipments", self._remove_shipments, "POST"),
                ("/v2/batches/<bid>/label", self._batch_label, "POST")]

    def _entries(self, refs: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        with self.lock:
            if any(r.get("id") not in self.shipments for r in refs):
                return None
            return [ep.batch_entry(self.shipments[r["id"]]) for r in refs]

    def _create_batch(self):
        # POST /batches {"batch": {}} -> 200, state 'created' (test_batch_add_remove_shipment.yaml); with
        # new shipments: state 'creating', num_shipments counted, shipments [] (test_batch_label.yaml).
        sent = (request.get_json(silent=True) or {}).get("batch") or {}
        entries = self._entries([s for s in sent.get("shipments") or [] if "id" in s]) or []
        new = []
        for item in [s for s in sent.get("shipments") or [] if "id" not in s]:
            shp = self._new_shipment(item)
            if isinstance(shp, Response):
                return shp
            new.append((shp["id"], str(item.get("carrier") or ""), str(item.get("service") or "")))
        bat = ep.batch(entries, state="creating" if new else "created")
        bat["num_shipments"] += len(new)
        with self.lock:
            self.batches[bat["id"]] = bat
            self._to_buy[bat["id"]] = new
        return ep.answer(bat, 200)

    def _buy_batch(self, bid: str):
        # POST /batches/{id}/buy -> state 'created', each shipment 'queued_for_purchase' with no tracking
        # yet (test_batch_label.yaml); the purchase itself is done here and shows on the next look.
        with self.lock:
            bat = self.batches.get(bid)
            if bat is None:
                return ep.not_found()
            for sid, carrier, service in self._to_buy.pop(bid, []):
                shp = self.shipments[sid]
                if carrier and service:
                    self._buy_service(shp, carrier, service)
                bat["shipments"].append({**ep.batch_entry(shp), "batch_status": "queued_for_purchase",
                                         "tracking_code": None})
            bat.update(state="created", status=ep.batch_status(bat["shipments"]))
            return ep.answer(bat, 200)

    def _get_batch(self, bid: str):
        # A requested label is ready after label_polls_needed retrieves: state 'label_generated' and
        # label_url set (test_batch_label.yaml shows 'label_generating' with label_url null first).
        with self.lock:
            bat = self.batches.get(bid)
            if bat is None:
                return ep.not_found()
            if bat["state"] == "label_generating":
                self._polls[bid] = self._polls.get(bid, 0) + 1
                if self._polls[bid] >= self.label_polls_needed:
                    # The PDF holds one label per shipment of the batch (Batch object, docs.easypost.com/docs/
                    # batches: label_url "The label image URL"; the batch label consolidates its shipments'
                    # labels). Each rendering is a new file, so a link to an older one stays what it was.
                    name = f"{bid}-{len(self.batch_files) + 1}.pdf"
                    self.batch_files[name] = ep.pdf_pages([f"{e['tracking_code']} {e['id']}"
                                                           for e in bat["shipments"]])
                    bat.update(state="label_generated", label_url=self.file_url("batch_label", name))
            return ep.answer(bat, 200)

    def _add_shipments(self, bid: str):
        # add_shipments -> the batch listing each shipment's batch_status (test_batch_add_remove_shipment.yaml).
        entries = self._entries((request.get_json(silent=True) or {}).get("shipments") or [])
        with self.lock:
            bat = self.batches.get(bid)
            if bat is None or entries is None:
                return ep.not_found()
            known = {e["id"] for e in bat["shipments"]}
            bat["shipments"] += [e for e in entries if e["id"] not in known]
            bat.update(num_shipments=len(bat["shipments"]), status=ep.batch_status(bat["shipments"]))
            return ep.answer(bat, 200)

    def _remove_shipments(self, bid: str):
        # remove_shipments -> state 'purchased', shipments [] (test_batch_add_remove_shipment.yaml).
        gone = {s.get("id") for s in (request.get_json(silent=True) or {}).get("shipments") or []}
        with self.lock:
            bat = self.batches.get(bid)
            if bat is None:
                return ep.not_found()
            bat["shipments"] = [e for e in bat["shipments"] if e["id"] not in gone]
            bat.update(state="purchased", num_shipments=len(bat["shipments"]),
                       status=ep.batch_status(bat["shipments"]))
            return ep.answer(bat, 200)

    def _batch_label(self, bid: str):
        # POST /batches/{id}/label {"file_format"} -> state 'label_generating', label_url null, shipments
        # now 'postage_purchased' with tracking (test_batch_label.yaml).
        with self.lock:
            bat = self.batches.get(bid)
            if bat is None:
                return ep.not_found()
            bat["shipments"] = [ep.batch_entry(self.shipments[e["id"]]) for e in bat["shipments"]]
            if not bat["shipments"] or any(e["batch_status"] != "postage_purchased" for e in bat["shipments"]):
                return ep.answer(ep.error_body("BATCH.LABEL.INVALID", "Every shipment in the batch needs postage "
                                               "before a batch label can be made.", []), 422)
            bat.update(state="label_generating", label_url=None, status=ep.batch_status(bat["shipments"]))
            self._polls[bid] = 0
            return ep.answer(bat, 200)

"""The Audit gRPC servicer: the contract of infrafabric.audit.v1.AuditService over the AuditLog engine.

One AuditLog per process (the log has a single writer; the mesh runs one audit replica). Concurrent
AppendEvent calls land on the same event loop, so the engine group-commits them: one write, one
fdatasync and one signed checkpoint per batch, and each caller gets its receipt only after that.

Tenancy: tenant and user of an appended entry come only from the caller's verified identity. A
caller reads only entries of its own tenant (another tenant's entry is NOT_FOUND, so existence does
not leak); the auditor role reads all. Checkpoints, consistency proofs and the verifier key carry
only hashes and signatures, so every authenticated caller may read them; an inclusion proof names
one entry's leaf hash, so it follows the entry's tenancy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf import struct_pb2, timestamp_pb2

from infrafabric.audit.v1 import audit_service_pb2 as pb
from infrafabric.audit.v1 import audit_service_pb2_grpc as pb_grpc
from infrafabric.server._common.errors import ServiceError, invalid_argument, permission_denied, rpc
from infrafabric.server._common.identity import Identity, identity_from
from infrafabric.server.audit.errors import (
    EntryNotFoundError,
    EntrySealedError,
    InvalidEventError,
    InvalidRequestError,
    LogClosedError,
    LogCorruptError,
)
from infrafabric.server.audit.log import AuditEvent, AuditLog, validate_event
from infrafabric.server.audit.settings import AuditSettings
from infrafabric.server.registry import Built
from infrafabric.transparency.entry import MAX_PAYLOAD_BYTES, Entry, canonical_json
from infrafabric.transparency.merkle import leaf_hash
from infrafabric.transparency.proto import receipt_to_proto

DOMAIN = "audit.infrafabric"
MAX_BATCH_EVENTS = 1000
DEFAULT_PAGE_SIZE = 100  # the proto's documented default; the engine caps pages at 1000
# Integral floats up to 2**53 are exact in a double: they go back to JSON as integers, so a payload
# {"n": 1} is recorded as 1, not 1.0 (protobuf's Struct stores every number as a double).
_EXACT_INT = 2**53
# Engine argument names -> the request fields a caller sees in BadRequest violations.
_FIELD_NAMES = {"first": "first_size", "second": "second_size"}


# ---------------------------------------------------------------------------------------- conversion


def _value_to_python(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        number = value.number_value
        if math.isfinite(number) and number.is_integer() and abs(number) <= _EXACT_INT:
            return int(number)
        return number  # NaN/Infinity are refused by the engine with a "payload" violation
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return struct_to_payload(value.struct_value)
    if kind == "list_value":
        return [_value_to_python(v) for v in value.list_value.values]
    return None  # null_value, or a Value with nothing set


def struct_to_payload(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct as plain JSON data for the engine; deterministic (the engine sorts keys)."""
    return {key: _value_to_python(value) for key, value in struct.fields.items()}


def _timestamp(text: str) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromJsonString(text)
    return ts


def _datetime(ts: timestamp_pb2.Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)


def entry_to_proto(entry: Entry, canonical: bytes, origin: str) -> pb.Entry:
    payload = struct_pb2.Struct()
    payload.update(dict(entry.payload))
    return pb.Entry(
        index=entry.index,
        citation=entry.citation(origin),
        type=entry.type,
        tenant_id=entry.tenant_id,
        user_id=entry.user_id,
        session_id=entry.session_id,
        request_id=entry.request_id,
        payload=payload,
        refs=list(entry.refs),
        time=_timestamp(entry.time),
        leaf_hash=leaf_hash(canonical),
        canonical=canonical,
    )


# ---------------------------------------------------------------------------------------- errors


@contextlib.contextmanager
def _engine_errors() -> Iterator[None]:
    """Map the engine's own errors onto AIP-193 statuses (ValueError/IndexError with .field are
    mapped by @rpc itself; here only their field names are aligned with the request)."""
    try:
        yield
    except InvalidRequestError as exc:
        field = _FIELD_NAMES.get(exc.field, exc.field)
        raise invalid_argument({field: str(exc).removeprefix(f"{exc.field}: ")}) from None
    except EntryNotFoundError as exc:
        field = _FIELD_NAMES.get(exc.field, exc.field)
        raise ServiceError(
            grpc.StatusCode.OUT_OF_RANGE, str(exc), reason="OUT_OF_RANGE", field_violations={field: str(exc)}
        ) from None
    except EntrySealedError as exc:
        raise ServiceError(grpc.StatusCode.FAILED_PRECONDITION, str(exc), reason="ENTRY_SEALED") from None
    except LogClosedError as exc:
        raise ServiceError(grpc.StatusCode.UNAVAILABLE, str(exc), reason="LOG_CLOSED") from None
    except LogCorruptError as exc:
        raise ServiceError(grpc.StatusCode.DATA_LOSS, str(exc), reason="LOG_CORRUPT") from None


def _entry_not_found(index: int) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.NOT_FOUND, f"entry {index} not found", reason="ENTRY_NOT_FOUND", metadata={"index": str(index)}
    )


# ---------------------------------------------------------------------------------------- servicer


class AuditServicer(pb_grpc.AuditServiceServicer):
    def __init__(self, log: AuditLog, settings: AuditSettings) -> None:
        self._log = log
        self._max_payload = settings.max_payload_bytes
        # Fixed when the log was created (a setting given later does not change it): read it back.
        config = json.loads((settings.log_dir / "log.json").read_text(encoding="utf-8"))
        self._segment_entries = int(config["segment_entries"])
        self._stopping = asyncio.Event()

    async def on_stopping(self) -> None:
        """End follow streams as soon as the server starts to stop, not when its grace runs out.

        A follow stream never finishes by itself: without this it would hold the stop for the whole
        grace period and then be cancelled (UNAVAILABLE). Set, it lets streams end with OK at once.
        """
        self._stopping.set()

    def _readable(self, identity: Identity, entry: Entry) -> bool:
        return identity.is_auditor or entry.tenant_id == identity.tenant_id

    def _read_entry(self, identity: Identity, index: int) -> tuple[Entry, bytes]:
        """The entry at ``index`` if the caller may see it; NOT_FOUND (not PERMISSION_DENIED) otherwise."""
        canonical = self._log.get_raw(index)
        entry = Entry.decode(canonical)
        if not self._readable(identity, entry):
            raise _entry_not_found(index)
        return entry, canonical

    @rpc(DOMAIN)
    async def AppendEvent(self, request: pb.AppendEventRequest, context: grpc.aio.ServicerContext) -> pb.AppendEventResponse:
        event = self._event(identity_from(context), request)
        with _engine_errors():
            receipt = await self._log.append_one(event)
        return pb.AppendEventResponse(receipt=receipt_to_proto(receipt))

    @rpc(DOMAIN)
    async def BatchAppendEvents(
        self, request: pb.BatchAppendEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchAppendEventsResponse:
        identity = identity_from(context)
        if not request.events:
            raise invalid_argument({"events": "at least one event is required"})
        if len(request.events) > MAX_BATCH_EVENTS:
            raise invalid_argument({"events": f"{len(request.events)} events; at most {MAX_BATCH_EVENTS} per call"})
        events, violations = [], {}
        for i, item in enumerate(request.events):
            try:
                event = self._event(identity, item, prefix=f"events[{i}].")
                validate_event(event)  # all or none: every event is checked before any is written
            except ServiceError as err:
                violations.update(err.field_violations)
                continue
            except InvalidEventError as exc:
                violations[f"events[{i}].{exc.field}"] = str(exc)
                continue
            events.append(event)
        if violations:
            raise invalid_argument(violations)
        with _engine_errors():
            receipts = await self._log.append(events)
        return pb.BatchAppendEventsResponse(receipts=[receipt_to_proto(r) for r in receipts])

    def _event(self, identity: Identity, request: pb.AppendEventRequest, prefix: str = "") -> AuditEvent:
        """The engine's event for one request; tenant and user come only from the verified identity."""
        if not request.type:
            raise invalid_argument({f"{prefix}type": "is required"})
        payload = struct_to_payload(request.payload)
        # The engine enforces its own 64 KiB ceiling; a lower configured limit costs one extra encode.
        if self._max_payload < MAX_PAYLOAD_BYTES:
            try:
                size = len(canonical_json(payload))
            except (ValueError, TypeError) as exc:
                raise invalid_argument({f"{prefix}payload": f"not encodable as JSON: {exc}"}) from None
            if size > self._max_payload:
                raise invalid_argument({f"{prefix}payload": f"canonical size {size} bytes exceeds {self._max_payload}"})
        return AuditEvent(
            type=request.type,
            tenant_id=identity.tenant_id,
            user_id=identity.user_id,
            session_id=request.session_id,
            request_id=request.request_id or identity.request_id,
            payload=payload,
            refs=tuple(request.refs),
        )

    @rpc(DOMAIN)
    async def GetEntry(self, request: pb.GetEntryRequest, context: grpc.aio.ServicerContext) -> pb.GetEntryResponse:
        identity = identity_from(context)
        with _engine_errors():
            if request.citation:
                if request.index:
                    raise invalid_argument({"index": "give either index or citation, not both"})
                # Checks the origin (another log's citation is INVALID_ARGUMENT) and the index range.
                index = self._log.get_by_citation(request.citation).index
            else:
                index = request.index
            entry, canonical = self._read_entry(identity, index)
        return pb.GetEntryResponse(entry=entry_to_proto(entry, canonical, self._log.origin))

    @rpc(DOMAIN)
    async def ListEntries(self, request: pb.ListEntriesRequest, context: grpc.aio.ServicerContext) -> pb.ListEntriesResponse:
        identity = identity_from(context)
        if identity.is_auditor:
            tenant: str | None = request.tenant_id or None
        elif request.tenant_id and request.tenant_id != identity.tenant_id:
            raise permission_denied("only the auditor role may list another tenant's entries", reason="TENANT_FORBIDDEN")
        else:
            tenant = identity.tenant_id
        with _engine_errors():
            page = self._log.list_entries(
                tenant_id=tenant,
                session_id=request.session_id or None,
                type=request.type or None,
                start_time=_datetime(request.start_time) if request.HasField("start_time") else None,
                end_time=_datetime(request.end_time) if request.HasField("end_time") else None,
                page_size=request.page_size or DEFAULT_PAGE_SIZE,
                page_token=request.page_token,
            )
        origin = self._log.origin
        return pb.ListEntriesResponse(
            # The engine already filtered by tenant; decode() guaranteed the bytes are canonical.
            entries=[entry_to_proto(e, e.encode(), origin) for e in page.entries],
            next_page_token=page.next_page_token,
        )

    @rpc(DOMAIN)
    async def FollowEntries(
        self, request: pb.FollowEntriesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.FollowEntriesResponse]:
        identity = identity_from(context)
        origin = self._log.origin
        entries = self._log.follow(
            request.start_index,
            tenant_id=None if identity.is_auditor else identity.tenant_id,
            session_id=request.session_id or None,
            type=request.type or None,
        )
        # Ends with OK when the server starts stopping or the log closes; a client cancel cancels
        # this task (and with it the pending read).
        stopping = asyncio.ensure_future(self._stopping.wait())
        following: asyncio.Future[Entry] | None = None
        try:
            with _engine_errors():
                while True:
                    following = asyncio.ensure_future(anext(entries))
                    await asyncio.wait((following, stopping), return_when=asyncio.FIRST_COMPLETED)
                    if not following.done():
                        return
                    try:
                        entry = following.result()
                    except StopAsyncIteration:
                        return
                    yield pb.FollowEntriesResponse(entry=entry_to_proto(entry, entry.encode(), origin))
        finally:
            stopping.cancel()
            if following is not None and not following.done():
                following.cancel()
                # The generator is still inside that read until the cancellation lands.
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await following
            if isinstance(entries, AsyncGenerator):
                await entries.aclose()

    @rpc(DOMAIN)
    async def GetCheckpoint(self, request: pb.GetCheckpointRequest, context: grpc.aio.ServicerContext) -> pb.GetCheckpointResponse:
        identity_from(context)
        cp = self._log.checkpoint
        return pb.GetCheckpointResponse(checkpoint=cp.note, origin=cp.origin, tree_size=cp.size, root_hash=cp.root_hash)

    @rpc(DOMAIN)
    async def GetInclusionProof(
        self, request: pb.GetInclusionProofRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetInclusionProofResponse:
        identity = identity_from(context)
        with _engine_errors():
            proof = self._log.inclusion_proof(request.index, request.tree_size or None)
            if not identity.is_auditor:
                self._read_entry(identity, request.index)
        return pb.GetInclusionProofResponse(
            index=proof.index,
            tree_size=proof.tree_size,
            leaf_hash=proof.leaf_hash,
            proof=list(proof.hashes),
            root_hash=proof.root_hash,
        )

    @rpc(DOMAIN)
    async def GetConsistencyProof(
        self, request: pb.GetConsistencyProofRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetConsistencyProofResponse:
        identity_from(context)
        with _engine_errors():
            proof = self._log.consistency_proof(request.first_size, request.second_size or None)
        return pb.GetConsistencyProofResponse(
            first_size=proof.first,
            second_size=proof.second,
            first_root=proof.first_root,
            second_root=proof.second_root,
            proof=list(proof.hashes),
        )

    @rpc(DOMAIN)
    async def GetVerifierKey(self, request: pb.GetVerifierKeyRequest, context: grpc.aio.ServicerContext) -> pb.GetVerifierKeyResponse:
        identity_from(context)
        return pb.GetVerifierKeyResponse(verifier_key=self._log.verifier_key, origin=self._log.origin)

    @rpc(DOMAIN)
    async def SealSegments(self, request: pb.SealSegmentsRequest, context: grpc.aio.ServicerContext) -> pb.SealSegmentsResponse:
        identity = identity_from(context)
        if not identity.is_auditor:
            raise permission_denied("sealing segments needs the auditor role", reason="AUDITOR_ONLY")
        with _engine_errors():
            result = self._log.seal_segments(
                before_index=request.before_index or None,
                older_than=_datetime(request.older_than) if request.HasField("older_than") else None,
            )
        return pb.SealSegmentsResponse(
            sealed_segments=len(result.sealed_segments),
            # Only complete segments are sealed, so each holds exactly segment_entries entries.
            sealed_entries=len(result.sealed_segments) * self._segment_entries,
            hot_start_index=result.hot_from_index,
        )


async def build(settings: AuditSettings) -> Built:
    # Opening recovers from a crash (cuts a torn tail, repairs derived files): blocking, once.
    log = AuditLog.open(
        settings.log_dir,
        origin=settings.origin,
        segment_entries=settings.segment_entries,
        cold_dir=settings.cold_storage_dir,
        max_batch=settings.max_batch,
    )
    servicer = AuditServicer(log, settings)
    return Built(
        servicer=servicer,
        add_to_server=pb_grpc.add_AuditServiceServicer_to_server,
        closers=[log.close],
        on_stopping=servicer.on_stopping,
    )

"""Read the official NAS-Bench-101 files (``nasbench_only108.tfrecord``,
``nasbench_full.tfrecord``) without TensorFlow or protobuf.

TFRecord framing, per record: the payload length (uint64, little-endian), the masked CRC-32C
of those 8 bytes (uint32), the payload, the masked CRC-32C of the payload (uint32). Masking:
``((crc >> 15) | (crc << 17)) + 0xA282EAD8`` modulo 2**32. Both checksums are verified.

Payload of a NAS-Bench-101 record: the UTF-8 JSON list ``[hash, epochs, adjacency bits,
comma-separated ops, base64 ModelMetrics]``. ``ModelMetrics`` (protobuf, proto2):
``repeated EvaluationData evaluation_data = 1; int32 trainable_parameters = 2; double
total_time = 3``; ``EvaluationData``: doubles ``current_epoch = 1, training_time = 2,
train_accuracy = 3, validation_accuracy = 4, test_accuracy = 5`` and string
``checkpoint_path = 6``. Evaluation 0 is at initialisation, 1 halfway, 2 at the end, as the
benchmark's API reads them. Each (cell, epochs) appears once per training run (3 runs).

CRC-32C runs in pure Python (a few MB/s); with the ``crc32c`` package installed it is used
instead (the same values).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np

from nasearch.architecture import Architecture
from nasearch.interfaces import TASKS, Benchmark, TrainResult
from nasearch.registry import spaces
from nasearch.spaces.nb101_graph import Cell, InvalidCellError


class TFRecordError(ValueError):
    """A TFRecord or NAS-Bench-101 record that cannot be read (truncated, corrupt, not the format)."""


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``."""
    try:
        import crc32c as fast  # optional accelerator
    except ImportError:
        crc = 0xFFFFFFFF
        table = _TABLE
        for byte in data:
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF
    return fast.crc32c(data)


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _read_exact(handle: BinaryIO, size: int, what: str, number: int, offset: int, path: Path) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise TFRecordError(f"{path}: truncated in the {what} of record {number} at byte {offset} "
                            f"(wanted {size} bytes, found {len(data)}); the file is incomplete: download it again")
    return data


def read_tfrecord(path: str | Path) -> Iterator[bytes]:
    """Every record payload of a TFRecord file, checksums verified."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"TFRecord file {str(path)!r} does not exist (NAS-Bench-101's files are "
                                "nasbench_only108.tfrecord and nasbench_full.tfrecord)")
    with path.open("rb") as handle:
        number = 0
        while True:
            offset = handle.tell()
            header = handle.read(8)
            if not header:
                return
            if len(header) != 8:
                raise TFRecordError(f"{path}: truncated in the length of record {number} at byte {offset}; "
                                    "the file is incomplete: download it again")
            (length_crc,) = struct.unpack("<I", _read_exact(handle, 4, "length checksum", number, offset, path))
            if masked_crc32c(header) != length_crc:
                raise TFRecordError(f"{path}: record {number} at byte {offset} has a corrupt length (checksum "
                                    "mismatch); the file is damaged or not a TFRecord file")
            (length,) = struct.unpack("<Q", header)
            payload = _read_exact(handle, length, "payload", number, offset, path)
            (payload_crc,) = struct.unpack("<I", _read_exact(handle, 4, "payload checksum", number, offset, path))
            if masked_crc32c(payload) != payload_crc:
                raise TFRecordError(f"{path}: record {number} at byte {offset} is corrupt (payload checksum "
                                    "mismatch); the file is damaged: download it again")
            yield payload
            number += 1


# --- minimal protobuf -----------------------------------------------------------------------------
def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise TFRecordError("protobuf message ends inside a varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise TFRecordError("protobuf varint longer than 10 bytes")


def _fields(data: bytes) -> Iterator[tuple[int, int, object]]:
    """(field number, wire type, value) of a message: ints for varints, bytes for length-delimited,
    floats for 64-bit (doubles) and raw ints for 32-bit fields."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            if pos + 8 > len(data):
                raise TFRecordError("protobuf message ends inside a 64-bit field")
            (value,) = struct.unpack_from("<d", data, pos)
            pos += 8
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise TFRecordError("protobuf message ends inside a length-delimited field")
            value, pos = data[pos:pos + size], pos + size
        elif wire == 5:
            if pos + 4 > len(data):
                raise TFRecordError("protobuf message ends inside a 32-bit field")
            (value,) = struct.unpack_from("<I", data, pos)
            pos += 4
        else:
            raise TFRecordError(f"unsupported protobuf wire type {wire} (field {number})")
        yield number, wire, value


@dataclass(frozen=True)
class Evaluation:
    current_epoch: float = math.nan
    training_time: float = math.nan
    train_accuracy: float = math.nan
    validation_accuracy: float = math.nan
    test_accuracy: float = math.nan
    checkpoint_path: str = ""


_EVALUATION_FIELDS = {1: "current_epoch", 2: "training_time", 3: "train_accuracy", 4: "validation_accuracy",
                      5: "test_accuracy"}


def parse_evaluation(data: bytes) -> Evaluation:
    values: dict[str, object] = {}
    for number, wire, value in _fields(data):
        if number in _EVALUATION_FIELDS and wire == 1:
            values[_EVALUATION_FIELDS[number]] = value
        elif number == 6 and wire == 2:
            values["checkpoint_path"] = bytes(value).decode("utf-8", "replace")  # type: ignore[arg-type]
    return Evaluation(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ModelMetrics:
    evaluations: tuple[Evaluation, ...] = ()
    trainable_parameters: int = 0
    total_time: float = math.nan


def parse_model_metrics(data: bytes) -> ModelMetrics:
    evaluations, params, total = [], 0, math.nan
    for number, wire, value in _fields(data):
        if number == 1 and wire == 2:
            evaluations.append(parse_evaluation(value))  # type: ignore[arg-type]
        elif number == 2 and wire == 0:
            params = int(value)  # type: ignore[arg-type]
            if params >= 1 << 63:
                params -= 1 << 64
        elif number == 3 and wire == 1:
            total = float(value)  # type: ignore[arg-type]
    return ModelMetrics(tuple(evaluations), params, total)


@dataclass(frozen=True)
class NB101Record:
    """One training run of one cell for ``epochs`` epochs."""

    module_hash: str
    epochs: int
    cell: Cell
    metrics: ModelMetrics = field(repr=False)

    @property
    def final(self) -> Evaluation:
        if len(self.metrics.evaluations) < 3:
            raise TFRecordError(f"record of {self.module_hash} has {len(self.metrics.evaluations)} evaluations, "
                                "expected 3 (initial, halfway, final)")
        return self.metrics.evaluations[2]


def read_nasbench_records(path: str | Path) -> Iterator[NB101Record]:
    """The records of an official NAS-Bench-101 tfrecord file."""
    for number, payload in enumerate(read_tfrecord(path)):
        try:
            module_hash, epochs, adjacency, ops, metrics = json.loads(payload.decode("utf-8"))
            dim = math.isqrt(len(adjacency))
            if dim * dim != len(adjacency):
                raise TFRecordError(f"adjacency of {len(adjacency)} bits is not a square matrix")
            matrix = np.array([int(c) for c in adjacency], dtype=np.int64).reshape(dim, dim)
            cell = Cell.make(matrix, ops.split(","))
            decoded = parse_model_metrics(base64.b64decode(metrics, validate=True))
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError, TypeError, binascii.Error,
                InvalidCellError) as err:
            raise TFRecordError(f"{path}: record {number} is not a NAS-Bench-101 record: {err}") from None
        yield NB101Record(str(module_hash), int(epochs), cell, decoded)


class NB101RecordBenchmark(Benchmark):
    """A benchmark from an official NAS-Bench-101 tfrecord file a user has: per cell, the mean
    over its training runs of the final validation and test accuracies (percent) at ``epochs``,
    with the mean training time as the cost."""

    space_name = "nb101"

    def __init__(self, path: str | Path, epochs: int = 108):
        self.path = Path(path)
        self.name = f"nb101-tfrecord:{self.path.name}"
        self.task = TASKS["cifar10"]
        self.space = spaces.get("nb101")
        runs: dict[str, list[Evaluation]] = {}
        for record in read_nasbench_records(self.path):
            if record.epochs == epochs:
                runs.setdefault(record.module_hash, []).append(record.final)
        if not runs:
            raise TFRecordError(f"{self.path} has no record trained for {epochs} epochs")
        self._results = {
            digest: TrainResult(100 * float(np.mean([e.validation_accuracy for e in evals])),
                                100 * float(np.mean([e.test_accuracy for e in evals])),
                                float(np.mean([e.training_time for e in evals])))
            for digest, evals in runs.items()
        }

    def train(self, arch: Architecture) -> TrainResult:
        try:
            return self._results[self.space.canonical_key(arch)]
        except KeyError:
            raise KeyError(f"{arch} is not in {self.path}") from None

    def covers(self, arch: Architecture) -> bool:
        return arch.space == self.space_name and self.space.canonical_key(arch) in self._results

    def __len__(self) -> int:
        return len(self._results)

"""The official NAS-Bench-101 tfrecord reader, on small files written here in the real format.

The writer below is independent of the reader: protobuf bytes are assembled field by field
from the wire-format rules and the CRC-32C is checked against the standard check value.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib

import pytest

from nasearch.benchmarks.nb101_tfrecord import (NB101RecordBenchmark, TFRecordError, crc32c, masked_crc32c,
                                                read_nasbench_records, read_tfrecord)
from nasearch.spaces.nb101 import NB101Space



def _key(number: int, wire: int) -> bytes:
    return bytes([number << 3 | wire])


def _double(number: int, value: float) -> bytes:
    return _key(number, 1) + struct.pack("<d", value)


def _evaluation(epoch: float, time: float, train: float, valid: float, test: float) -> bytes:
    path = b"/ckpt"
    return (_double(1, epoch) + _double(2, time) + _double(3, train) + _double(4, valid) + _double(5, test)
            + _key(6, 2) + bytes([len(path)]) + path)


def _metrics(params: int, evaluations: list[bytes]) -> bytes:
    out = b""
    for evaluation in evaluations:
        out += _key(1, 2) + bytes([len(evaluation)]) + evaluation  # each under 128 bytes
    varint = b""
    while True:
        byte, params = params & 0x7F, params >> 7
        varint += bytes([byte | (0x80 if params else 0)])
        if not params:
            break
    return out + _key(2, 0) + varint + _double(3, 1234.5)


def _masked(data: bytes) -> int:
    crc = _reference_crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _reference_crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def _frame(payload: bytes) -> bytes:
    header = struct.pack("<Q", len(payload))
    return header + struct.pack("<I", _masked(header)) + payload + struct.pack("<I", _masked(payload))


ADJACENCY = "0110000" "0001000" "0001000" "0000100" "0000010" "0000001" "0000000"
OPS = "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,output"


def _write(path, runs=((0.90, 0.91), (0.92, 0.93), (0.94, 0.95)), epochs=108):
    digest = NB101Space().canonical_key(NB101Space().parse(
        "input|conv3x3~0|conv1x1~0|maxpool3x3~1,2|conv3x3~3|conv3x3~4|output~5"))
    blob = b""
    for valid, test in runs:
        metrics = _metrics(2_694_282, [_evaluation(0, 0, 0.1, 0.1, 0.1), _evaluation(54, 600, 0.8, 0.8, 0.8),
                                       _evaluation(108, 1200.0, 1.0, valid, test)])
        row = [digest, epochs, ADJACENCY, OPS, base64.b64encode(metrics).decode()]
        blob += _frame(json.dumps(row).encode())
    path.write_bytes(blob)
    return digest


def test_crc32c_check_value():
    assert crc32c(b"123456789") == 0xE3069283 == _reference_crc32c(b"123456789")
    assert crc32c(b"") == 0 and crc32c(b"123456789") != zlib.crc32(b"123456789")
    assert masked_crc32c(b"abc") == _masked(b"abc")


def test_reads_records_and_metrics(tmp_path):
    path = tmp_path / "nasbench_only108.tfrecord"
    digest = _write(path)
    records = list(read_nasbench_records(path))
    assert len(records) == 3 and all(r.module_hash == digest and r.epochs == 108 for r in records)
    assert records[0].metrics.trainable_parameters == 2_694_282
    assert records[0].metrics.total_time == 1234.5
    assert records[1].final.validation_accuracy == 0.92 and records[1].final.test_accuracy == 0.93
    assert records[1].final.checkpoint_path == "/ckpt" and records[1].final.current_epoch == 108
    space = NB101Space()
    assert space.canonical_key(space.from_cell(records[0].cell)) == digest


def test_benchmark_averages_runs(tmp_path):
    path = tmp_path / "nasbench_only108.tfrecord"
    _write(path)
    bench = NB101RecordBenchmark(path)
    space = NB101Space()
    arch = space.parse("input|conv3x3~0|conv1x1~0|maxpool3x3~1,2|conv3x3~3|conv3x3~4|output~5")
    result = bench.train(arch)
    assert result.valid_accuracy == pytest.approx(92.0) and result.test_accuracy == pytest.approx(93.0)
    assert result.cost_seconds == pytest.approx(1200.0) and bench.covers(arch) and len(bench) == 1
    assert not bench.covers(space.parse("input|conv3x3~0|output~1"))
    with pytest.raises(TFRecordError, match="no record trained for 36 epochs"):
        NB101RecordBenchmark(path, epochs=36)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list(read_tfrecord(tmp_path / "absent.tfrecord"))


@pytest.mark.parametrize("cut", [3, 10, 40, -2])
def test_truncated_file(tmp_path, cut):
    path = tmp_path / "x.tfrecord"
    _write(path, runs=((0.9, 0.9),))
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    with pytest.raises(TFRecordError, match="truncated"):
        list(read_tfrecord(path))


@pytest.mark.parametrize("where", ["length", "payload", "crc"])
def test_corrupt_record_is_refused(tmp_path, where):
    path = tmp_path / "x.tfrecord"
    _write(path, runs=((0.9, 0.9),))
    data = bytearray(path.read_bytes())
    index = {"length": 0, "payload": 40, "crc": len(data) - 1}[where]
    data[index] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(TFRecordError, match="corrupt|truncated"):
        list(read_tfrecord(path))


def test_not_a_nasbench_record(tmp_path):
    path = tmp_path / "x.tfrecord"
    path.write_bytes(_frame(b'["abc", 108, "01", "input,output", "!!"]'))
    with pytest.raises(TFRecordError, match="not a NAS-Bench-101 record"):
        list(read_nasbench_records(path))

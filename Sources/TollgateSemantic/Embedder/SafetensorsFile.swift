import Foundation
import TollgateBase
import TollgateExactCache
import TollgateHTTPClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error reading a `.safetensors` file.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened, stat'ed or memory-mapped (`errno` from the failing call).
    case cannotMap(path: String, operation: String, errno: Int32)
    /// The file is shorter than its 8-byte header length plus the header it announces.
    case truncated(path: String, fileSize: Int, needed: Int)
    /// The JSON header is not valid or does not follow the safetensors format.
    case invalidHeader(path: String, reason: String)
    /// No tensor of this name is in the file.
    case missingTensor(name: String, path: String)
    /// The tensor has another element type than the one asked for.
    case wrongDType(name: String, expected: String, actual: String)
    /// The tensor has another shape than the one asked for.
    case wrongShape(name: String, expected: [Int], actual: [Int])
    /// The tensor's data does not start on a multiple of its element size, so it cannot be viewed in place.
    case misaligned(name: String, fileOffset: Int)

    /// A one-line explanation naming the file or tensor.
    public var description: String {
        switch self {
        case let .cannotMap(path, operation, errno):
            return "safetensors: \(operation) failed for \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case let .truncated(path, fileSize, needed):
            return "safetensors: \(path) is truncated: \(fileSize) bytes, needs at least \(needed)"
        case let .invalidHeader(path, reason):
            return "safetensors: invalid header in \(path): \(reason)"
        case let .missingTensor(name, path):
            return "safetensors: no tensor named '\(name)' in \(path)"
        case let .wrongDType(name, expected, actual):
            return "safetensors: tensor '\(name)' has dtype \(actual), expected \(expected)"
        case let .wrongShape(name, expected, actual):
            return "safetensors: tensor '\(name)' has shape \(actual), expected \(expected)"
        case let .misaligned(name, fileOffset):
            return "safetensors: tensor '\(name)' starts at file offset \(fileOffset), not aligned for its element type"
        }
    }
}

/// Where one tensor lies in a safetensors file, as its JSON header describes it.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. `encoder.layer.0.attention.self.query.weight`.
    public let name: String
    /// The element type as spelled in the header: `F32`, `F16`, `BF16`, `I64`, ...
    public let dtype: String
    /// The shape, outermost dimension first (PyTorch order: a linear layer's weight is `[out, in]`).
    public let shape: [Int]
    /// Byte offset of the first element from the start of the file.
    public let fileOffset: Int
    /// Size of the data in bytes.
    public let byteCount: Int

    /// Number of elements (the product of `shape`; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A read-only, memory-mapped `.safetensors` file.
///
/// The file is mapped once (`mmap`, `PROT_READ`); tensors are exposed as buffer pointers straight into the
/// mapping, so the weights are never copied and pages are shared with the OS page cache. The mapping lives as
/// long as this object: keep it alive while any pointer obtained from it is in use.
///
/// Format: an 8-byte little-endian header length `N`, then `N` bytes of JSON
/// `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`,
/// then the data; offsets are relative to the first byte after the header.
///
/// Sendable: the mapping is read-only and every stored property is immutable after `init`.
public final class SafetensorsFile: @unchecked Sendable {
    /// The path the file was opened from.
    public let path: String
    /// Every tensor in the file, by name.
    public let tensors: [String: SafetensorsTensorInfo]
    /// The optional `__metadata__` string map (e.g. `["format": "pt"]`).
    public let metadata: [String: String]
    /// Size of the mapped file in bytes.
    public let fileSize: Int

    private let base: UnsafeRawPointer

    /// Bytes per element for the dtypes the format defines.
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4,
        "I64": 8, "U64": 8, "F64": 8,
    ]

    /// Maps the file at `path` and parses its header.
    /// - Throws: `SafetensorsError` if the file cannot be mapped or its header is malformed
    ///   (bad JSON, unknown dtype, offsets outside the file or not matching the shape).
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SafetensorsError.cannotMap(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SafetensorsError.cannotMap(path: path, operation: "fstat", errno: errno) }
        let size = Int(st.st_size)
        guard size >= 8 else { throw SafetensorsError.truncated(path: path, fileSize: size, needed: 8) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
              mapped != UnsafeMutableRawPointer(bitPattern: -1)
        else { throw SafetensorsError.cannotMap(path: path, operation: "mmap", errno: errno) }
        let base = UnsafeRawPointer(mapped)

        do {
            let parsed = try Self.parseHeader(base: base, fileSize: size, path: path)
            self.tensors = parsed.tensors
            self.metadata = parsed.metadata
        } catch {
            munmap(mapped, size)
            throw error
        }
        self.base = base
        self.fileSize = size
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), fileSize)
    }

    /// The header entry for `name`.
    /// - Throws: `SafetensorsError.missingTensor` if there is none.
    public func info(_ name: String) throws -> SafetensorsTensorInfo {
        guard let info = tensors[name] else { throw SafetensorsError.missingTensor(name: name, path: path) }
        return info
    }

    /// A view of the `F32` tensor `name`, in place in the mapping (row-major, outermost dimension first).
    /// - Parameter shape: if given, the tensor must have exactly this shape.
    /// - Throws: `SafetensorsError` if the tensor is missing, is not `F32`, has another shape, or is misaligned.
    public func float32(_ name: String, shape: [Int]? = nil) throws -> UnsafeBufferPointer<Float> {
        let info = try info(name)
        guard info.dtype == "F32" else {
            throw SafetensorsError.wrongDType(name: name, expected: "F32", actual: info.dtype)
        }
        if let shape, shape != info.shape {
            throw SafetensorsError.wrongShape(name: name, expected: shape, actual: info.shape)
        }
        guard info.fileOffset % MemoryLayout<Float>.alignment == 0 else {
            throw SafetensorsError.misaligned(name: name, fileOffset: info.fileOffset)
        }
        let start = (base + info.fileOffset).assumingMemoryBound(to: Float.self)
        return UnsafeBufferPointer(start: start, count: info.elementCount)
    }

    /// The raw bytes of tensor `name`, in place in the mapping.
    /// - Throws: `SafetensorsError.missingTensor` if there is none.
    public func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
        let info = try info(name)
        return UnsafeRawBufferPointer(start: base + info.fileOffset, count: info.byteCount)
    }

    // MARK: - Header parsing

    private static func parseHeader(
        base: UnsafeRawPointer, fileSize: Int, path: String
    ) throws -> (tensors: [String: SafetensorsTensorInfo], metadata: [String: String]) {
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(fileSize - 8) else {
            throw SafetensorsError.truncated(
                path: path, fileSize: fileSize, needed: headerLength > UInt64(Int.max - 8) ? Int.max : 8 + Int(headerLength))
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = fileSize - dataStart
        let json = Data(bytes: base + 8, count: Int(headerLength))

        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw SafetensorsError.invalidHeader(path: path, reason: "not JSON (\(error))")
        }
        guard let root = object as? [String: Any] else {
            throw SafetensorsError.invalidHeader(path: path, reason: "top level is not an object")
        }

        var tensors: [String: SafetensorsTensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in root {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw SafetensorsError.invalidHeader(path: path, reason: "__metadata__ is not an object")
                }
                for (k, v) in map {
                    guard let s = v as? String else {
                        throw SafetensorsError.invalidHeader(path: path, reason: "__metadata__.\(k) is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shapeAny = entry["shape"] as? [Any],
                  let offsetsAny = entry["data_offsets"] as? [Any], offsetsAny.count == 2
            else {
                throw SafetensorsError.invalidHeader(
                    path: path, reason: "entry '\(name)' lacks dtype, shape or data_offsets [begin, end]")
            }
            guard let elementSize = dtypeSizes[dtype] else {
                throw SafetensorsError.invalidHeader(path: path, reason: "entry '\(name)' has unknown dtype \(dtype)")
            }
            let shape = try shapeAny.map { any -> Int in
                guard let d = integer(any), d >= 0 else {
                    throw SafetensorsError.invalidHeader(path: path, reason: "entry '\(name)' has a bad shape")
                }
                return d
            }
            guard let begin = integer(offsetsAny[0]), let end = integer(offsetsAny[1]),
                  begin >= 0, begin <= end, end <= dataLength
            else {
                throw SafetensorsError.invalidHeader(
                    path: path, reason: "entry '\(name)' has data_offsets outside the \(dataLength) data bytes")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, count.multipliedReportingOverflow(by: elementSize) == (end - begin, false) else {
                throw SafetensorsError.invalidHeader(
                    path: path,
                    reason: "entry '\(name)' has \(end - begin) bytes, but shape \(shape) of \(dtype) needs \(count &* elementSize)")
            }
            tensors[name] = SafetensorsTensorInfo(
                name: name, dtype: dtype, shape: shape, fileOffset: dataStart + begin, byteCount: end - begin)
        }
        return (tensors, metadata)
    }

    /// An integer from a JSONSerialization number (Int or NSNumber, whichever the platform hands back).
    private static func integer(_ any: Any) -> Int? {
        if let i = any as? Int { return i }
        if let n = any as? NSNumber {
            let d = n.doubleValue
            guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
            return n.intValue
        }
        return nil
    }
}

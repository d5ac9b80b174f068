import Foundation
import Testing

import TollgateCore
@testable import TollgateBase
@testable import TollgateHTTPClient
@testable import TollgateExactCache
@testable import TollgateSemantic
@testable import TollgateProviders
@testable import TollgateRouting
@testable import TollgateShared
@testable import TollgateFixtures
@testable import TollgateDialects
@testable import TollgatePipeline
@testable import TollgateServer
@testable import TollgateMock
@testable import TollgateBench

/// `SafetensorsFile` on small files written by the test.
@Suite("Safetensors reader")
struct SafetensorsFileTests {
    /// Writes a safetensors file with `header` (JSON text) and `data`, returns its path.
    func write(header: String, data: [UInt8], padTo alignment: Int = 8) throws -> String {
        var h = Array(header.utf8)
        while (8 + h.count) % alignment != 0 { h.append(0x20) }
        var bytes: [UInt8] = []
        var n = UInt64(h.count)
        for _ in 0..<8 { bytes.append(UInt8(n & 0xFF)); n >>= 8 }
        bytes += h + data
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("st-\(UUID().uuidString).safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func floatBytes(_ xs: [Float]) -> [UInt8] {
        xs.flatMap { x in withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) } }
    }

    @Test func readsTensorsInPlace() throws {
        let path = try write(
            header: #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"#
                + #""b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},"i":{"dtype":"I64","shape":[1],"data_offsets":[32,40]}}"#,
            data: floatBytes([1, 2, 3, 4, 5, 6, -1, 0.5]) + [7, 0, 0, 0, 0, 0, 0, 0])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt"])
        #expect(Array(try file.float32("w", shape: [2, 3])) == [1, 2, 3, 4, 5, 6])
        #expect(Array(try file.float32("b")) == [-1, 0.5])
        #expect(Array(try file.rawBytes("i")) == [7, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: SafetensorsError.wrongShape(name: "w", expected: [3, 2], actual: [2, 3])) {
            try file.float32("w", shape: [3, 2])
        }
        #expect(throws: SafetensorsError.wrongDType(name: "i", expected: "F32", actual: "I64")) {
            try file.float32("i")
        }
        #expect(throws: SafetensorsError.missingTensor(name: "nope", path: path)) { try file.float32("nope") }
    }

    @Test func rejectsMalformedFiles() throws {
        let bad = [
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"#, 8),    // size ≠ shape
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, 8),   // beyond the data
            (#"{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, 8),     // unknown dtype
            (#"{"w":{"dtype":"F32","shape":[2]}}"#, 8),                         // no offsets
            (#"[1,2]"#, 0),                                                     // not an object
            (#"{"w":"#, 0),                                                     // not JSON
        ]
        for (header, dataBytes) in bad {
            let path = try write(header: header, data: [UInt8](repeating: 0, count: dataBytes))
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: SafetensorsError.self, "\(header)") { try SafetensorsFile(path: path) }
        }
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: "/nonexistent/model.safetensors") }

        // A header length larger than the file.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)").path
        try Data([0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: path) }
    }

    @Test func misalignedF32IsAnError() throws {
        // The data block starts on a multiple of 8; a tensor at data offset 1 cannot be viewed as Float.
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}}"#
        let path = try write(header: header, data: [0] + floatBytes([3]) + [0, 0, 0])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SafetensorsFile(path: path)
        let offset = try file.info("w").fileOffset
        #expect(offset % 8 == 1)
        #expect(throws: SafetensorsError.misaligned(name: "w", fileOffset: offset)) { try file.float32("w") }
        #expect(Array(try file.rawBytes("w")) == floatBytes([3]))
    }
}

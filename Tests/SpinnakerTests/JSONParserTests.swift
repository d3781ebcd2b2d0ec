import Foundation
import LookoutTestSupport
import Spinnaker
import Testing

/// The byte-level JSON parser agrees with Foundation on real payloads and rejects hostile ones.
@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }

    @Test func scalarsEscapesAndUnicode() throws {
        #expect(try parse(#"{"a":[1,-2.5,3e2,true,false,null,"x"]}"#)
            == ["a": [1, -2.5, 300, true, false, nil, "x"]])
        #expect(try parse(#""tab\t quote\" slash\/ back\\ nl\n""#) == .string("tab\t quote\" slash/ back\\ nl\n"))
        #expect(try parse(#""\u00e9\u4e2d\ud83d\ude80""#) == .string("é中🚀"))
        #expect(try parse(#""déjà vu""#) == .string("déjà vu"))
        #expect(try parse("1745292110432") == .number(1_745_292_110_432))
        #expect(try parse("  {}  ") == .object([:]))
    }

    @Test func rejectsInvalidAndHostileInput() {
        for bad in ["", "{", "[1,]", #"{"a" 1}"#, "tru", "01x", "\"unterminated", "{\"a\":1}}", "\"\u{01}\"", "1e999"] {
            #expect(throws: (any Error).self, "accepted \(bad.debugDescription)") { try parse(bad) }
        }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: (any Error).self) { try parse(deep) }
    }

    @Test func agreesWithFoundationOnEveryFixture() throws {
        let directory = Fixtures.directory.appendingPathComponent("spinnaker")
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".json") {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            let ours = try JSONValue.parse(data)
            let foundation = try JSONSerialization.jsonObject(with: data)
            let reencoded = try JSONSerialization.jsonObject(with: try ours.serialized())
            #expect(NSDictionary(dictionary: ["v": foundation]).isEqual(to: ["v": reencoded]), "\(name)")
        }
    }
}

/// Building only part of an event must not change what the timeline reads from it.
@Suite struct ShapedDecodingTests {
    @Test func shapedDecodingGivesTheSameSnapshotAsFullParsing() throws {
        for execution in [try Fixtures.terminalExecution(), try Fixtures.succeededExecution(),
                          try Fixtures.json("spinnaker/gate-pipelines-id-RUNNING.json")] {
            let stage = execution["stages"]?.arrayValue?.first
            for raw in [SyntheticEcho.raw(type: "orca:stage:complete", execution: execution, stage: stage),
                        SyntheticEcho.flattened(SyntheticEcho.raw(type: "orca:pipeline:failed", execution: execution)),
                        SyntheticEcho.wrapped(SyntheticEcho.raw(type: "orca:pipeline:complete", execution: execution))] {
                guard case .orca(let event) = try EchoEventDecoder.decode(SyntheticEcho.body(raw)) else {
                    Issue.record("not an Orca event"); continue
                }
                #expect(event.execution == ExecutionSnapshot(json: execution))
            }
        }
    }
}

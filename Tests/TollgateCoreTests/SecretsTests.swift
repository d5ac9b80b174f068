import Testing
@testable import TollgateBase

/// `Secrets.redact` with its byte prefilter: whatever could hold a secret still goes through the
/// full redaction; text with none comes back unchanged.
@Suite struct SecretsTests {
    @Test func secretLookingTokensAreRedactedInAnyCase() {
        #expect(Secrets.redact("Incorrect API key provided: Bearer sk-abcdef123456") == "Incorrect API key provided: Bearer [redacted]")
        #expect(Secrets.redact("auth: BEARER xyz987654").contains("[redacted]"))
        #expect(Secrets.redact("key sk-proj-ABCDEFGH") == "key sk-[redacted]")
        #expect(Secrets.redact(#"{"X-API-KEY": "abc123456"}"#).contains("[redacted]"))
    }

    @Test func theGatewaysOwnPlaceholdersStayReadable() {
        let help = "You didn't provide an API key. Send it as `Authorization: Bearer YOUR_KEY` (or `x-api-key: YOUR_KEY`)."
        #expect(Secrets.redact(help) == help)
        #expect(Secrets.redact("send `Bearer abc123XYZ` here") == "send `Bearer [redacted]` here", "a key before a backtick goes, the backtick stays")
        #expect(Secrets.redact("Bearer ABCdef").contains("[redacted]"), "only all-capital words are placeholders")
    }

    @Test func registeredValuesAreRedactedAndOtherTextIsUntouched() {
        Secrets.register(values: ["tg-test-secret-value-42"])
        #expect(Secrets.redact("upstream said tg-test-secret-value-42 is wrong") == "upstream said [redacted] is wrong")
        for plain in ["", "/v1/chat/completions", "semantic-hit", "req-5f3a09c1-12", "gpt-4o-mini", "0.000216", "Bear with me; a risky key-value pair"] {
            #expect(Secrets.redact(plain) == plain)
            #expect(!Secrets.mayHoldSecret(plain, ["tg-test-secret-value-42"]))
        }
        #expect(Secrets.mayHoldSecret("x tg-test-secret-value-42", ["tg-test-secret-value-42"]))
        #expect(Secrets.mayHoldSecret("ApI-KeY", []))
    }
}

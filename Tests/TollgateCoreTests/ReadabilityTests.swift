import Foundation
import Testing
@testable import TollgateBase
@testable import TollgateExactCache
@testable import TollgateSemantic

/// The readability gate (issue 15): prompts the English embedder cannot read skip the semantic
/// layer. These prompts were written for this test after the thresholds were chosen
/// (benchmarks/readability/calibrate.py calibrates on other prompts: samples.jsonl and the tuning halves).
@Suite struct ReadabilityTests {
    static let foreign = [
        "Je voudrais réserver une chambre pour deux nuits.",
        "Combien de temps faut-il pour cuire un œuf dur ?",
        "Peux-tu résumer ce texte en trois phrases ?",
        "Ich suche ein gutes Rezept für Apfelkuchen.",
        "Wie lange dauert der Flug von Berlin nach Madrid?",
        "Kannst du diesen Absatz ins Englische übersetzen?",
        "¿Dónde puedo comprar entradas para el concierto?",
        "Explícame cómo funciona la fotosíntesis.",
        "¿Cuántas calorías tiene una manzana?",
        "Quanto costa un biglietto del treno per Roma?",
        "Mi puoi consigliare un libro da leggere in vacanza?",
        "Qual é a melhor maneira de aprender a tocar violão?",
        "Preciso de ajuda para escrever um currículo.",
        "Welke trein moet ik nemen naar Amsterdam Centraal?",
        "Hur lagar man köttbullar på bästa sätt?",
        "Jak napisać dobry list motywacyjny?",
        "Bu akşam için kolay bir yemek tarifi önerir misin?",
        "Как приготовить борщ дома?",
        "Сколько стоит билет до Москвы?",
        "今天北京的天气怎么样？",
        "東京でおすすめのラーメン屋はどこですか？",
        "서울에서 부산까지 기차로 얼마나 걸리나요?",
        "كيف أتعلم البرمجة بسرعة؟",
        "मुझे एक अच्छी किताब सुझाइए।",
        "Πώς μπορώ να μάθω ελληνικά γρήγορα;",
    ]
    static let code = [
        "import numpy as np\nx = np.arange(10)\nprint(x[::-1])\n",
        "```python\nwith open('a.txt') as f:\n    data = [l.strip() for l in f]\n```",
        "SELECT name, AVG(score) FROM results WHERE year >= 2020 GROUP BY name ORDER BY 2 DESC;",
        "while (node != NULL) { next = node->next; free(node); node = next; }",
        "const app = express(); app.get('/', (req, res) => res.send('ok')); app.listen(3000);",
        "for i in range(len(a)):\n    for j in range(i + 1, len(a)):\n        if a[j] < a[i]:\n            a[i], a[j] = a[j], a[i]",
        "<div class=\"card\"><h2>{{ title }}</h2><p>{{ body }}</p></div>",
        "func add(_ a: Int, _ b: Int) -> Int { return a + b }\nprint(add(2, 3))",
    ]
    static let english = [
        "How can I reverse a list in Python?",
        "How do I sort a dictionary by value in Python?",
        "What's the difference between a list and a tuple?",
        "Why does my React component render twice?",
        "How do I undo the last git commit?",
        "Explain what a Kubernetes pod is.",
        "What is the time complexity of quicksort?",
        "How do I center a div with CSS?",
        "Write a haiku about autumn leaves.",
        "What are the symptoms of the flu?",
        "Book a table for 2 at 8 pm.",
        "What is 7 divided by 2?",
        "Who wrote Pride and Prejudice?",
        "Recommend a restaurant near Gare de Lyon in Paris.",
        "What does 'carpe diem' mean?",
        "Is Rust faster than Go?",
        "Convert 5 miles to kilometres.",
        "Summarise the causes of World War I.",
        "What is the capital of Burkina Faso?",
        "How do I use async/await in JavaScript?",
    ]

    static let gate: PromptReadability? = {
        let vocab = EmbedderTestSupport.modelDirectory.appendingPathComponent("vocab.txt")
        guard let t = try? WordPieceTokenizer(vocabularyFile: vocab) else { return nil }
        return PromptReadability(vocabulary: t.vocabulary)
    }()

    @Test func englishPromptsIncludingCodingQuestionsAreRead() throws {
        let gate = try #require(Self.gate, "vocab.txt missing: run `make model`")
        let flagged = Self.english.filter { gate.unreadable($0) != nil }
        #expect(flagged.isEmpty, "English prompts read as unreadable: \(flagged)")
    }

    @Test func otherLanguagesAndScriptsAreNotRead() throws {
        let gate = try #require(Self.gate, "vocab.txt missing: run `make model`")
        let read = Self.foreign.filter { gate.unreadable($0) == nil }
        // At least 90 % detected (the calibration samples: 45 of 45; short Latin-script prompts are the hard case).
        #expect(read.count * 10 <= Self.foreign.count, "read as English: \(read)")
        #expect(gate.unreadable("Как приготовить борщ дома?") == .otherScript)
        #expect(gate.unreadable("Ich suche ein gutes Rezept für Apfelkuchen.") == .otherLanguage)
    }

    @Test func mostlyCodeIsNotRead() throws {
        let gate = try #require(Self.gate, "vocab.txt missing: run `make model`")
        let read = Self.code.filter { gate.unreadable($0) == nil }
        #expect(read.count * 4 <= Self.code.count, "code read as prose: \(read)")
        // A question about code, with a short snippet, is still read.
        #expect(gate.unreadable("In Python, why does `x = [] * 3` give an empty list?") == nil)
    }

    @Test func withoutAVocabularyOnlyScriptAndCodeAreChecked() {
        let gate = PromptReadability(vocabulary: nil)
        #expect(gate.unreadable("Ich suche ein gutes Rezept für Apfelkuchen.") == nil)
        #expect(gate.unreadable("澳大利亚的首都是哪里？") == .otherScript)
        #expect(gate.unreadable(Self.code[0]) == .mostlyCode)
    }

    @Test func unreadablePromptsSkipTheLayerUnlessConfiguredOff() throws {
        let cache = SemanticCache(embedder: HashingEmbedder(), store: MemoryStore())
        func request(_ text: String) throws -> ChatRequest {
            try ChatRequest(body: Array(#"{"model":"m","messages":[{"role":"user","content":\#(JSONValue.string(text).jsonString)}]}"#.utf8), maxMessages: 8)
        }
        #expect(cache.namespace(endpoint: "chat", tenant: "t", request: try request("What is the capital of Australia?")) != nil)
        #expect(cache.namespace(endpoint: "chat", tenant: "t", request: try request("澳大利亚的首都是哪里？")) == nil)
        let off = SemanticCache(embedder: HashingEmbedder(), store: MemoryStore(), skipUnreadable: false)
        #expect(off.namespace(endpoint: "chat", tenant: "t", request: try request("澳大利亚的首都是哪里？")) != nil)
    }
}

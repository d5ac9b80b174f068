import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// The guard's word lists about meaning: opposite qualifiers, tasks, negation, aliases, British
/// spellings and function words (see `GuardWordLists`).
extension GuardWordLists {
    /// Opposite qualifiers: "axis: plus forms / minus forms".
    static let qualifiers = """
    size: large larger largest big bigger biggest huge huger hugest giant / small smaller smallest little tiny tinier tiniest
    length: long longer longest / short shorter shortest
    speed: fast faster fastest quick quicker quickest quickly / slow slower slowest slowly
    quality: good better best great / bad worse worst poor poorer poorest terrible
    amount: more most many greater greatest maximum max maximize maximal / less least fewer fewest few minimum min minimize minimal
    level: high higher highest tall taller tallest increase increasing ascending asc rise rising raise grow growing up upward upwards upper / low lower lowest decrease decreasing descending desc fall falling reduce reducing drop dropping shrink down downward downwards decline
    gain: gain win profit / lose loss losing lost
    merit: pro pros advantage advantages benefit benefits merit merits upside upsides strength strengths / con cons disadvantage disadvantages drawback drawbacks downside downsides weakness weaknesses anti
    trade: buy buying bought purchase purchasing buyer / sell selling sold seller
    port: import importing imported / export exporting exported
    crypt: encrypt encrypting encryption encrypted / decrypt decrypting decryption decrypted
    coding: encode encoding encoded encoder serialize serialization / decode decoding decoded decoder deserialize deserialization
    pack: compress compressing compression zip / decompress decompressing decompression unzip
    transfer: upload uploading uploaded / download downloading downloaded
    install: install installing installation / uninstall uninstalling
    switch: enable enabling enabled activate turn_on switch_on / disable disabling disabled deactivate turn_off switch_off
    session: login log_in sign_in logged_in signed_in / logout log_out sign_out logged_out signed_out
    lock: lock locking / unlock unlocking
    connect: connect connecting connected / disconnect disconnecting disconnected
    follow: follow / unfollow
    subscribe: subscribe / unsubscribe
    time: before earlier prior / after later afterwards
    ends: first earliest / last final ending
    price: expensive pricey costly / cheap cheaper cheapest affordable inexpensive
    difficulty: hard harder hardest difficult / easy easier easiest simple simpler simplest
    age: new newer newest latest young younger youngest / old older oldest
    temperature: hot hotter hottest warm / cold colder coldest cool
    season: summer summers summertime / winter winters wintertime
    light: light bright / dark darker
    wealth: rich richer richest wealthy / poor
    strength: strong stronger strongest / weak weaker weakest
    weight: heavy heavier heaviest / lightweight
    vertical: top / bottom
    side: left / right
    northsouth: north northern / south southern
    eastwest: east eastern / west western
    position: above over / below under beneath
    inside: inside internal indoor inner inbound input / outside external outdoor outer outbound output
    openness: open opening / close closing closed
    start: start starting begin beginning launch / stop stopping end halt
    truth: true / false
    sign: positive / negative
    feeling: love loving / hate hating
    mood: happy / sad unhappy
    agree: agree / disagree
    accept: accept approve / reject deny decline
    similarity: similar similarity similarities same alike / different difference differences differ distinguish
    gender: man men male boy boys guy guys husband father son boyfriend / woman women female girl girls wife mother daughter girlfriend
    role: client frontend front-end / server backend back-end
    sync: sync synchronous synchronously / async asynchronous asynchronously
    typing: static statically / dynamic dynamically
    visibility: public / private
    axis: horizontal horizontally / vertical vertically
    case: uppercase / lowercase
    tense: past / future
    number: singular / plural
    voice: active / passive
    formality: formal / informal casual
    legality: legal legally / illegal illegally
    safety: safe safely / dangerous unsafe
    health: healthy / unhealthy
    include: include including inclusive / exclusive
    send: send sending sent / receive receiving received
    push: push pushing / pull pulling
    """

    /// Tasks: "canonical: verbs / nouns naming the task".
    static let tasks = """
    create: write create generate compose draft build implement code design produce construct
    rewrite: rewrite rephrase paraphrase reword restate
    edit: edit modify update change revise alter adjust tweak amend
    summarize: summarize condense recap sum_up / summary synopsis tldr tl;dr gist
    translate: translate convert transform port transpile / translation conversion
    delete: delete remove erase drop purge wipe / deletion removal
    add: add insert append
    explain: explain describe define clarify elaborate discuss interpret / explanation description definition
    fix: fix debug repair correct resolve troubleshoot patch / fix
    calculate: calculate compute solve / calculation
    list: list enumerate name itemize / list
    compare: compare contrast differentiate / comparison
    sort: sort order arrange rank reorder / sorting
    find: find search locate lookup look_up identify detect
    check: check verify validate test proofread
    analyze: analyze assess review critique examine audit inspect evaluate / analysis review
    recommend: recommend suggest propose / recommendation suggestion
    count: count tally
    format: format indent prettify beautify
    optimize: optimize improve refactor simplify speed_up / optimization
    predict: predict forecast / prediction
    classify: classify categorize / classification
    answer: answer respond reply
    plan: plan schedule organize
    prove: prove derive / proof
    merge: merge combine join concatenate concat
    split: split separate partition
    read: read parse load
    run: run execute
    copy: copy duplicate clone
    move: move relocate
    rename: rename
    reverse: reverse invert
    replace: replace substitute
    """

    static let negations = """
    not: not non no never none nothing nobody nowhere neither nor cannot dont doesnt didnt isnt arent wasnt werent cant couldnt wouldnt shouldnt wont havent hasnt hadnt aint mustnt neednt unable without
    except: except excluding exclude excludes excluded other_than
    """

    /// Aliases: "canonical words: forms"; ^ = only for an all-capitals surface (US, LA).
    static let aliases = """
    united states: usa u.s u.s. u.s.a u.s.a. united_states_of_america
    united states|^: us
    united kingdom: uk u.k u.k. britain great_britain
    new york city: nyc
    los angeles|^: la
    san francisco|^: sf
    european union|^: eu
    united nations|^: un
    united arab emirates: uae
    world war 2: ww2 wwii
    world war 1: ww1 wwi
    artificial intelligence: ai
    machine learning: ml
    natural language processing: nlp
    operating system: os
    user interface: ui
    database: db
    you: u ya
    your: ur
    please: pls plz
    people: ppl
    because: bc b/c cuz coz
    about: abt
    with: w/
    without: w/o
    versus: vs vs. v/s
    okay: ok
    email: e-mail
    wifi: wi-fi
    information: info
    picture: pic pics
    difference: diff
    configuration: config
    repository: repo repos
    library: lib libs
    function: func fn
    parameter: param params
    directory: dir
    environment: env
    authentication: auth
    government: govt
    department: dept
    approximately: approx
    television: tv
    math: maths mathematics
    uppercase: upper_case upper-case capital_letters
    lowercase: lower_case lower-case small_letters
    discover: find_out
    nomatter: no_matter
    notonly: not_only
    nobody: no_one
    why: how_come
    """

    static let spellings = """
    color: colour
    favor: favour
    flavor: flavour
    honor: honour
    labor: labour
    neighbor: neighbour
    behavior: behaviour
    humor: humour
    rumor: rumour
    harbor: harbour
    vapor: vapour
    armor: armour
    savor: savour
    endeavor: endeavour
    odor: odour
    tumor: tumour
    center: centre
    theater: theatre
    fiber: fibre
    caliber: calibre
    meter: metre
    liter: litre
    kilometer: kilometre
    centimeter: centimetre
    millimeter: millimetre
    milliliter: millilitre
    catalog: catalogue
    dialog: dialogue
    analog: analogue
    defense: defence
    offense: offence
    license: licence
    traveled: travelled
    traveling: travelling
    traveler: traveller
    canceled: cancelled
    canceling: cancelling
    labeled: labelled
    labeling: labelling
    modeled: modelled
    modeling: modelling
    jewelry: jewellery
    gray: grey
    program: programme
    tire: tyre
    aluminum: aluminium
    mom: mum
    airplane: aeroplane
    while: whilst
    among: amongst
    toward: towards
    learned: learnt
    spelled: spelt
    judgment: judgement
    acknowledgment: acknowledgement
    inquiry: enquiry
    practice: practise
    skeptical: sceptical
    fulfill: fulfil
    enroll: enrol
    aging: ageing
    maneuver: manoeuvre
    pediatric: paediatric
    encyclopedia: encyclopaedia
    pajamas: pyjamas
    mold: mould
    mustache: moustache
    artifact: artefact
    analyze: analyse
    paralyze: paralyse
    catalyze: catalyse
    summarize: summarise
    """

    static let stopwords = """
    a an the this that these those my your our their his her its me you i we they he she it him them us
    myself yourself itself ourselves themselves
    is are was were be been being am do does did doing done have has had having get got getting
    can could would should will shall may might must ought
    of in on at by for with from to into onto about as than then so if or and but yet also too very
    what which who whom whose when where why how whether there here
    some any all each every both either other another such own one ones
    please kindly just really actually basically simply thanks thank hi hello hey dear
    want wanna need like know tell let give show help way ways thing things something anything someone
    e.g e.g. i.e i.e. etc etc. okay nomatter notonly mr mrs ms dr prof sir
    """

    /// Words around an ambiguous technology name that make it one.
    static let techContext = """
    code coding program programming programs language lang script scripts function functions framework library
    libraries developer developers query queries syntax compiler version app apps snippet module package
    """

    /// Other forms the tokenizer keeps whole.
    static let joinedForms = """
    e.g e.g. i.e i.e. a.m. p.m. a.m p.m front-end back-end
    """
}

import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// The guard's word lists about meaning: scales (comparatives), negations, aliases, British
/// spellings and function words (see `GuardWordLists`).
extension GuardWordLists {
    /// Scales, for the direction check's comparatives: "axis: plus forms / minus forms" ("A is
    /// slower than B" is "B is faster than A"). Their words fill no role ("the best camera" is
    /// "the camera that is best"). Opposites without a scale (buy/sell, import/export, enable/
    /// disable …) are the pair verifier's to tell apart.
    static let qualifiers = """
    size: large larger largest big bigger biggest huge huger hugest giant / small smaller smallest little tiny tinier tiniest
    length: long longer longest / short shorter shortest
    speed: fast faster fastest quick quicker quickest quickly / slow slower slowest slowly
    quality: good better best great / bad worse worst poor poorer poorest terrible
    amount: more most many greater greatest maximum max maximize maximal / less least fewer fewest few minimum min minimize minimal
    level: high higher highest tall taller tallest increase increasing ascending asc rise rising raise grow growing up upward upwards upper / low lower lowest decrease decreasing descending desc fall falling reduce reducing drop dropping shrink down downward downwards decline
    time: before earlier prior / after later afterwards
    price: expensive pricey costly / cheap cheaper cheapest affordable inexpensive
    difficulty: hard harder hardest difficult / easy easier easiest simple simpler simplest
    age: new newer newest latest young younger youngest / old older oldest
    temperature: hot hotter hottest warm / cold colder coldest cool
    light: light bright / dark darker
    wealth: rich richer richest wealthy / poor
    strength: strong stronger strongest / weak weaker weakest
    weight: heavy heavier heaviest / lightweight
    safety: safe safely / dangerous unsafe
    health: healthy / unhealthy
    """

    /// Negations: they end a direction's span and fill no role (whether a prompt is negated is the
    /// pair verifier's to judge).
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

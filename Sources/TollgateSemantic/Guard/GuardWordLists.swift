import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// The guard's word lists, one "canonical[|flags]: forms" line each; `_` joins the words of a
/// phrase. Parsed once by `GuardLexicon`. Spelling is American; British forms are mapped first.
enum GuardWordLists {
    /// Units: b = counts alone ("in km"), c = a currency that may precede the number.
    static let units = """
    km|b: km kms kilometer kilometers klick klicks
    m: m meter meters mtr
    cm|b: cm centimeter centimeters
    mm|b: mm millimeter millimeters
    mi|b: mi mile miles
    ft|b: ft foot feet
    in|b: inch inches
    yd|b: yd yard yards
    kg|b: kg kgs kilogram kilograms kilo kilos
    g: g gm gms gram grams
    mg|b: mg milligram milligrams
    lb|b: lb lbs pound pounds
    oz|b: oz ounce ounces
    t: ton tons tonne tonnes
    l: l ltr liter liters
    ml|b: ml milliliter milliliters
    gal|b: gal gallon gallons
    °c|b: celsius centigrade °c degrees_celsius degree_celsius degrees_c
    °f|b: fahrenheit °f degrees_fahrenheit degree_fahrenheit degrees_f
    kelvin|b: kelvin
    deg: degree degrees
    s: s sec secs second seconds
    min: min mins minute minutes
    h: h hr hrs hour hours
    ms: ms millisecond milliseconds
    day: day days
    week: wk wks week weeks
    month: month months
    yr: yr yrs year years
    decade: decade decades
    century: century centuries
    byte|b: byte bytes
    kb|b: kb kilobyte kilobytes
    mb|b: mb megabyte megabytes
    gb|b: gb gigabyte gigabytes
    tb|b: tb terabyte terabytes
    bit: bit bits
    mph|b: mph miles_per_hour mile_per_hour
    kmh|b: km/h kmh kph kmph km_per_hour kilometers_per_hour
    w: w watt watts
    kw|b: kw kilowatt kilowatts
    kwh|b: kwh
    v: v volt volts
    hz: hz hertz
    ghz|b: ghz
    mhz|b: mhz
    cal|b: cal calorie calories kcal
    %|b: % percent pct percentage per_cent
    usd|bc: usd dollar dollars buck bucks $
    eur|bc: eur euro euros €
    gbp|bc: gbp £ quid
    inr|bc: inr rupee rupees rs ₹
    jpy|bc: jpy yen ¥
    btc|b: btc bitcoin bitcoins
    x: x
    pm: pm p.m.
    am: am a.m.
    """

    /// Number words: no flag = 0…19, t = tens, h = hundred, s = scale, o = ordinal.
    static let numbers = """
    0: zero
    1: one
    2: two
    3: three
    4: four
    5: five
    6: six
    7: seven
    8: eight
    9: nine
    10: ten
    11: eleven
    12: twelve dozen
    13: thirteen
    14: fourteen
    15: fifteen
    16: sixteen
    17: seventeen
    18: eighteen
    19: nineteen
    20|t: twenty
    30|t: thirty
    40|t: forty
    50|t: fifty
    60|t: sixty
    70|t: seventy
    80|t: eighty
    90|t: ninety
    100|h: hundred
    1000|s: thousand
    100000|s: lakh lakhs
    1000000|s: million mn
    10000000|s: crore crores
    1000000000|s: billion bn
    1000000000000|s: trillion
    1|o: first
    2|o: second
    3|o: third
    4|o: fourth
    5|o: fifth
    6|o: sixth
    7|o: seventh
    8|o: eighth
    9|o: ninth
    10|o: tenth
    11|o: eleventh
    12|o: twelfth
    20|o: twentieth
    100|o: hundredth
    """

    /// Technologies: a = also an everyday word; ">parent" = implies the parent (django → python).
    static let technologies = """
    python: python py cpython
    javascript: javascript js ecmascript vanilla_js
    typescript>javascript: typescript ts
    java: java
    kotlin: kotlin
    swift|a: swift
    objective-c: objective-c objc obj-c objective_c
    c|a: c
    c++: c++ cpp cplusplus
    c#: c# csharp c-sharp c_sharp
    f#: f# fsharp
    go|a: go golang
    rust|a: rust
    ruby|a: ruby
    php: php
    perl: perl
    scala: scala
    haskell: haskell
    r|a: r
    matlab: matlab
    julia|a: julia
    lua: lua
    dart|a: dart
    elixir|a: elixir
    erlang: erlang
    clojure: clojure
    fortran: fortran
    cobol: cobol
    pascal|a: pascal
    assembly|a: assembly asm
    bash: bash
    shell|a: shell
    powershell: powershell
    zsh: zsh
    sql: sql
    html: html html5
    css: css css3 scss sass
    json: json
    yaml: yaml yml
    xml: xml
    csv: csv
    markdown: markdown
    latex: latex
    regex: regex regexp regexes regular_expression regular_expressions
    graphql: graphql
    solidity: solidity
    vba: vba
    visualbasic: vb vb.net visual_basic
    react>javascript|a: react reactjs react.js
    reactnative>javascript: react_native
    vue>javascript: vue vuejs vue.js
    angular>javascript|a: angular angularjs
    svelte>javascript: svelte
    next.js>react: next.js nextjs
    jquery>javascript: jquery
    node.js>javascript|a: node node.js nodejs
    express>node.js|a: express express.js expressjs
    django>python: django
    flask>python|a: flask
    fastapi>python: fastapi
    spring>java|a: spring spring_boot springboot
    rails>ruby|a: rails ruby_on_rails ror
    laravel>php: laravel
    symfony>php: symfony
    .net>c#: .net dotnet asp.net
    bootstrap>css|a: bootstrap
    tailwind>css: tailwind tailwindcss
    pandas>python: pandas
    numpy>python: numpy
    scipy>python: scipy
    matplotlib>python: matplotlib
    tensorflow>python: tensorflow
    pytorch>python: pytorch
    keras>python: keras
    scikit-learn>python: scikit-learn sklearn scikit_learn
    opencv: opencv
    spark|a: spark pyspark apache_spark
    hadoop: hadoop
    kafka: kafka
    flutter>dart: flutter
    unity|a: unity unity3d
    excel|a: excel
    mysql>sql: mysql
    postgresql>sql: postgresql postgres psql pgsql
    sqlite>sql: sqlite sqlite3
    oracle>sql|a: oracle oracle_database
    sqlserver>sql: sqlserver mssql tsql t-sql sql_server
    plsql>sql: plsql pl/sql
    mariadb>sql: mariadb
    bigquery>sql: bigquery
    mongodb: mongodb mongo
    redis: redis
    cassandra|a: cassandra
    dynamodb: dynamodb
    elasticsearch: elasticsearch
    firebase: firebase
    neo4j: neo4j
    windows|a: windows win10 win11
    linux: linux
    ubuntu>linux: ubuntu
    debian>linux: debian
    fedora>linux: fedora
    centos>linux: centos
    macos: macos osx mac_os os_x macosx
    mac|a: mac macbook
    ios: ios
    android: android
    unix: unix
    docker: docker
    kubernetes: kubernetes k8s kube
    terraform: terraform
    ansible: ansible
    git: git
    github: github
    gitlab: gitlab
    aws: aws amazon_web_services
    azure: azure
    gcp: gcp google_cloud
    nginx: nginx
    apache|a: apache
    vscode: vscode vs_code visual_studio_code
    visualstudio: visual_studio
    intellij: intellij
    vim: vim neovim
    emacs: emacs
    xcode: xcode
    jupyter: jupyter
    npm: npm
    pip: pip
    chrome|a: chrome
    firefox: firefox
    safari|a: safari
    wordpress: wordpress
    """
}

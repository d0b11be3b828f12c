import Testing

@testable import VitalsCore

/// Number formatting in messages and log fields.
@Suite struct UnitsTests {
    @Test func numbersPrintWithAtMostTwoPlacesAndNoDanglingPoint() {
        #expect(Units.formatNumber(2) == "2")
        #expect(Units.formatNumber(0.35) == "0.35")
        #expect(Units.formatNumber(2.5) == "2.5")
        #expect(Units.formatNumber(96.456) == "96.46")
        // Values that round to a whole number at two places printed "1." and "0." before.
        #expect(Units.formatNumber(0.999) == "1")
        #expect(Units.formatNumber(0.00002) == "0")
        #expect(Units.formatNumber(-0.001) == "0")
    }
}

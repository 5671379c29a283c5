extension StringProtocol {
    /// Without leading and trailing spaces and tabs (whitespace that is not a line break),
    /// as `trimmingCharacters(in: .whitespaces)` did.
    public func trimmed() -> String {
        let isBlank = { (c: Character) in c.isWhitespace && !c.isNewline }
        guard let first = firstIndex(where: { !isBlank($0) }) else { return "" }
        let last = lastIndex(where: { !isBlank($0) })!
        return String(self[first...last])
    }

    /// Padded with spaces, or cut, to exactly `length` characters, as
    /// `padding(toLength:withPad: " ", startingAt: 0)` did (table columns).
    public func padded(to length: Int) -> String {
        let n = count
        if n >= length { return String(prefix(length)) }
        return String(self) + String(repeating: " ", count: length - n)
    }
}

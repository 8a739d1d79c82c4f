package terminology

// Version is the version of the embedded vocabulary: the terms, the scheme tables
// and the crosswalk. It follows YEAR.MONTH.PATCH. Codes are never renamed or
// removed between versions; wire tables gain rows and mark retired values legacy.
const Version = "2026.11.0"

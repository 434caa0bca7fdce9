"""Card-company lists (カード会社からの漏えい疑いカード一覧).

Imported, fingerprinted at once, matched; never kept in clear."""

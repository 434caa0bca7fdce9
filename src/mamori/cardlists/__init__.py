"""Card-company lists (カード会社からの漏えい疑いカード一覧): imported, fingerprinted at once, matched; never kept in clear."""

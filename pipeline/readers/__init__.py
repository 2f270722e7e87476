"""One reader per format: decoded text -> (title, metadata, typed blocks).

    text.read(text)       plain text, hard-wrapped lines joined into paragraphs
    markdown.read(text)   CommonMark (markdown-it-py) with YAML front matter
    rst.read(text)        reStructuredText by the shape of its lines (titles, lists, literal blocks)
    html.read(html)       the page's main content (trafilatura) with its comments
"""

"""One reader per format: decoded text -> (title, metadata, typed blocks).

    text.read(text)       plain text, hard-wrapped lines joined into paragraphs
    markdown.read(text)   CommonMark (markdown-it-py) with YAML front matter
    html.read(html)       the page's main content (trafilatura) with its comments
"""

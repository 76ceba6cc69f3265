"""The element names of the NISO STS tag set (Z39.102, with its JATS-derived elements), and
the namespaces an STS document may embed.  The STS loader reads an element outside them as
text only and counts it, so a vendor's or a typo's element is reported, not silently merged."""

ELEMENTS = frozenset("""
abbrev abstract access-date accrediting-organization ack addr-line address adoption
adoption-front aff aff-alternatives alt-text alt-title alternatives annex-type annotation
anonymous app app-group array article-title attrib author-comment authorization award-id back
bio body bold boxed-text break caption chapter-title chem-struct chem-struct-wrap
citation-alternatives city code col colgroup collab collab-alternatives comm-ref
comm-ref-group comment compl compl-title-wrap compound-kwd compound-kwd-part compound-subject
compound-subject-part conf-acronym conf-date conf-loc conf-name conf-sponsor content-language
contrib contrib-group contrib-id copyright-holder copyright-statement copyright-year count
country counts custom-meta custom-meta-group data-title date date-in-citation day def def-head
def-item def-list degrees disp-formula disp-formula-group disp-quote doc-ident doc-number
doc-ref doc-type editing-instruction edition element-citation elocation-id email
equation-count era etal ext-link fax fig fig-count fig-group fixed-case fn fn-group fpage front
full funding-source funding-statement given-names glossary glyph-data glyph-ref gov graphic hr
ics ics-desc ics-wrap index index-div index-entry index-group index-term index-term-range-end
index-title-group inline-formula inline-graphic inline-supplementary-material institution
institution-id institution-wrap intro intro-title-wrap is-proof isbn iso-meta issn issn-l issue
issue-id issue-part issue-title italic journal-id kwd kwd-group label language license
license-p list list-item long-desc lpage main main-title-wrap media meta-date meta-name
meta-note meta-value milestone-end milestone-start mixed-citation monospace month name
name-alternatives named-content nat-meta nav-pointer nav-pointer-group nested-kwd nlm-citation
non-normative-example non-normative-note normative-example normative-note notes notes-group
num object-id on-behalf-of open-access originator overline p page-count page-range
part-number part-of-speech part-title patent permissions person-group phone postal-code
prefix preformat price private-char proj-id pronunciation pub-date pub-id publisher-loc
publisher-name rb ref ref-count ref-list reg-meta related-article related-object related-term
release-date release-version release-version-id role roman rt ruby sans-serif sc sdo season
sec sec-meta secretariat see see-also see-also-entry see-entry self-uri series sig sig-block
size source speaker speech standard state statement std std-doc-meta std-id std-id-group
std-ident std-meta std-org std-org-abbrev std-org-group std-org-loc std-org-name std-ref
std-xref strike string-name styled-content sub sub-part subj-group subject subtitle suffix
sup suppl-number suppl-type suppl-version supplement supplementary-material surname table
table-count table-wrap table-wrap-foot table-wrap-group target tbody td term term-display
term-head term-sec term-source tex-math textual-form tfoot th thead time-stamp title
title-wrap toc toc-div toc-entry toc-group toc-title-group tr trans-source trans-subtitle
trans-title trans-title-group underline uri urn verse-group verse-line version volume
volume-id volume-series wi-number word-count x xref year
""".split())

#: Namespaces whose elements an STS document embeds: TBX terminology, MathML, XInclude, the
#: OASIS exchange table model, NISO access and licence indicators.
NAMESPACES = frozenset((
    "urn:iso:std:iso:30042:ed-1", "urn:iso:std:iso:30042:ed-2",
    "http://www.w3.org/1998/Math/MathML", "http://www.w3.org/2001/XInclude",
    "http://www.niso.org/standards/z39-96/ns/oasis-exchange/table",
    "http://www.niso.org/schemas/ali/1.0/",
))
#: The same, by the prefixes documents use when they leave the namespace undeclared.
PREFIXES = ("tbx:", "mml:", "xi:", "oasis:", "ali:")


def known(tag: str) -> bool:
    """Whether an element's tag (``{namespace}name`` or ``name``) belongs to STS."""
    if tag.startswith("{"):
        return tag[1:tag.index("}")] in NAMESPACES
    return tag in ELEMENTS or tag.startswith(PREFIXES)

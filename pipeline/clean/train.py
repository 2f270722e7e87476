"""Fit the cleaner's scorers on labelled pages and write model.json (plain numbers, no pickle).

    python -m pipeline.clean.train [--data ../shared/data] [--out pipeline/clean/model.json]

Training material, all from the sites of the "train" split (bench/cleaning_data.py splits
by site, so no site is both trained on and reported as held out):
  - the plain-text dumps of the labelled HTML pages (scrapinghub, dragnet, readability),
    every block labelled by its alignment with the page's gold text;
  - the blocks winnow's HTML reader extracts from the same pages, labelled the same way;
  - the gold texts themselves laid out as one paragraph a line, hard-wrapped and as
    Markdown: clean text, every block content (the do-no-harm examples);
  - seed-style spam pages built from train pages: real sentences content, inserted
    boilerplate and spun sentences noise;
  - the hand-labelled text dumps of tests/pages/labeled/{a,b,c,d} (set e and the
    seeds stay held out): the kinds of furniture saved pages carry (bylines, ratings,
    disclosures, ad lines, teasers) that the dumps of news pages rarely show.
The script prints the held-out (test-site) figures of the fitted model at the trained
threshold before anything else is looked at. Deterministic: fixed seeds, sorted input.

The shipped model.json is not this script's output on today's material: its trees were
fitted before the benchmark's Markdown layout escaped the gold texts and before html.py
lost its sibling and rescue passes, and only its page-gate threshold was moved since
(PAGE_MAX_NOISY_PASS 0.02 -> 0.04, the 4% quantile of that fit's noisy train pages: 0.4068).
A refit on today's material keeps as much clean text but removes less of the train
split's spam (noise removed 0.480 against 0.561; real sentences kept 0.981 against 0.955):
the spam figure moves that much between fits, so a refit must be compared on the train
split before it replaces the shipped model.

Session 13 refitted every section in order (`--cache`, the block scorer then on all of FEATURES)
and compared the refit with the shipped model, shipped -> refit. Train split: dumps F1 scrapinghub /
dragnet / readability 0.869 / 0.870 / 0.857 -> 0.871 / 0.869 / 0.860, gold texts 0.999 both, package
READMEs 0.948 -> 0.882, node_modules documents (one paragraph a line / wrapped / Markdown) 0.984 /
0.984 / 0.985 -> 0.991 / 0.991 / 0.970, spam 0.956 / 0.910 -> 0.954 / 0.914, labelled noise removed
a-d 0.847 / 0.813 / 0.833 / 0.782 -> 0.852 / 0.860 / 0.849 / 0.788 (content kept unchanged), e
0.987 / 0.667 -> 1.000 / 0.639, the seeds 0.944 / 0.726 -> 0.930 / 0.712. Held out: HTML 0.959 /
0.894 / 0.912 -> 0.959 / 0.895 / 0.912, dumps 0.855 / 0.865 / 0.871 -> 0.854 / 0.862 / 0.870, gold
texts 0.986 / 0.986 / 0.983 -> 0.986 / 0.985 / 0.992, READMEs 0.948 -> 0.882, /usr/share/doc documents
0.977 / 0.990 / 0.945 -> 0.983 / 0.994 / 0.908, spam 0.973 / 0.935 -> 0.970 / 0.939. Not shipped.
Each refitted section swapped alone into the shipped model (held-out READMEs; documents one
paragraph a line / wrapped / Markdown): the page gate 0.950; 0.980 / 0.990 / 0.941; the context
scorers 0.960; 0.977 / 0.990 / 0.947; the block and runs scorers 0.879; 0.980 / 0.993 / 0.907
(narwhals loses 105 of its 125 sentences, Node.js's api/index.md 61 of 63). The block scorer
refitted with the four features made for runs (start_lift, end_lift, topic_share, topic_weight)
drops the short lines and list entries of clean technical documents that the gate misjudges as
noisy (narwhals scores 0.03 / 0.05 under the shipped / refitted gate), and no context scorer gets
them back (session 12 saw the same with prose_topic_share: READMEs 0.944 -> 0.924). Hence
BLOCK_FEATURES: the block scorer is fitted on the features the shipped one reads. The refitted gate
judges two of the 82 held-out documents fewer clean as text (0.927 / 0.939 -> 0.902 / 0.915) and
more held-out gold texts (0.936 -> 0.947 one paragraph a line), at no cost in sentences kept when
swapped in alone. A refit in that form (blocks on BLOCK_FEATURES, then context) was started but
not measured in session 13 (on a loaded machine one full refit took 28 minutes).

Why the dumps trail the HTML path (session 13, the shipped model on the train split; errors counted
in words of blocks aligned with the gold text, placed against the page's article, the stretch of
blocks with the largest sum of content words minus noise words). On scrapinghub's 136 train dumps
23,000 noise words are kept for 2,000 content words dropped, and 77% of the kept noise is prose of
eight words or more: 7,400 words after the article (teasers of other stories with their summaries,
author and company blurbs, notices), 5,900 in comment threads after it (pages with three or more
short "says" / "ago" / clock-time lines after the article; the scrapinghub gold holds no comments),
4,900 before it and 1,800 inside it; kept short lines 2,600 (menus, mostly before the article) and
headings 1,400. What goes wrongly is 1,000 words of prose inside the article and 750 of short lines
(subheadings, captions, list entries). readability's 82 dumps: 14,000 noise words kept (threads
4,900, before 3,400) for 2,200 content words dropped; dragnet's 1,064: 145,000 (before 45,000, after
32,000, threads 31,000, though its gold keeps comments on 276 of those pages) for 24,000. The HTML
path sees the containers of comments, teasers and sidebars and drops them whole; a dump has lost
them, and what remains of that furniture is prose read alone, which the block and context scorers
keep at 0.97 of content words: the gap is precision, not lost text (scrapinghub train dumps
precision 0.79, recall 0.96; held-out HTML 0.93 / 0.99).

Session 14 (issue 10's dumps; the shipped model unchanged, measured with it unless said). Upper
bound: dropping every block outside the stretch from the first to the last block of five words or
more aligned with the gold text lifts the train dumps 0.869 / 0.870 / 0.857 -> 0.937 / 0.912 / 0.891:
what a dump keeps wrongly lies mostly around its article. Shipped (pipeline/clean/__init__.py, 3e.
keep_the_article): on a page the gate is sure is noisy, a block kept outside the stretch of the largest
sum of (final score - MAIN_PIVOT) x words goes, unless an unstopped line above it (a title). Train
dumps 0.869 / 0.870 / 0.857 -> 0.883 / 0.882 / 0.864; decided on the inner split of session 12 (a
third of the train sites by sha256("dev:" + site), context scorers refitted on the rest): dev dumps
0.856 / 0.870 / 0.809 -> 0.866 / 0.879 / 0.815. Held out: dumps 0.855 / 0.865 / 0.871 -> 0.863 / 0.869
/ 0.874, spam removed 0.935 -> 0.940, labelled noise removed a 0.841 -> 0.875, b 0.813 -> 0.873, c
0.833 -> 0.859, d 0.782 -> 0.806 for content kept c 0.987 -> 0.982 (a forum thread's title, a question
ending with "?", past the thread's header lines) and d 1.000 -> 0.995 (a real sentence of a spam page);
READMEs 0.948 -> 0.947 (narwhals, gate 0.03: 47 -> 49 sentences lost); e, the seeds, gold texts,
documents and HTML unchanged. Variants on the train dumps, not taken: cutting the lines above the
article too 0.889 / 0.886 / 0.868 (but five page titles of the labelled sets went); cutting only
stopped blocks 0.876 / 0.874 / 0.861; a pivot of 0.7 0.905 / 0.883 / 0.866 (recall dragnet 0.935 ->
0.878, readability 0.900 -> 0.866); 0.3 0.877 / 0.878 / 0.862 (cutting the title too); weights
log(1 + words), main_stretch's, 0.891 / 0.888 / 0.856 (cutting the title too; readability falls);
max(words, 3) and max(words, 5), a short line counted as a longer one, +0.000-0.001 on train and dev
but dev readability 0.815 -> 0.795 at 5. The cut on the pages the gate is unsure of too: train
0.883 / 0.882 / 0.864 -> 0.883 / 0.882 / 0.866, dev 0.866 / 0.879 / 0.815 -> 0.867 / 0.881 / 0.825,
labelled noise removed b 0.873 -> 0.887, e 0.667 -> 0.694, but clean documents the gate doubts lose
sentences (held out: /usr/share/doc documents one paragraph a line 0.977 -> 0.969, READMEs 0.947 ->
0.946, spam kept 0.973 -> 0.972): not taken.
Tried and dropped: three context features of the bands between an article and what follows it
(main_gap: the longest band of blocks the first pass doubts between a block and the main stretch;
segment_share: the share of the page's believed words in the block's segment, the page cut at every
band of 3 doubted blocks; run_words: the words of the stretch of believed blocks a block is in),
context and unsure scorers refitted on the inner train sites, dev dumps 0.856 / 0.870 / 0.809 ->
0.855 / 0.868 / 0.817, with the article cut 0.866 / 0.879 / 0.815 -> 0.863 / 0.877 / 0.821: no gain
on every set.

Session 15 (issue 10, the article's edges; the shipped model unchanged). Decided on the train sites
only, on the inner split of session 12 (dev: a third of the train sites by sha256("dev:" + site); fit:
the rest), each variant replayed on the blocks entering 3g. (bench_clean's own figures, exactly).
Session 14's cut: fit 0.8825 / 0.8821 / 0.8764, dev 0.8860 / 0.8795 / 0.8338, all train 0.8836 /
0.8814 / 0.8658 (scrapinghub / dragnet / readability). Taken, in order: (1) a kept unstopped line
above the stretch stays only when TITLE_MIN_TOPIC_SHARE (0.3) of its content words (first five
letters) are the article's: fit 0.8861 / 0.8860 / 0.8767, dev 0.8905 / 0.8801 / 0.8385 (share 0.2:
0.8854 / 0.8858 / 0.8767, dev 0.8888 / 0.8797 / 0.8379; 0.5: 0.8862 / 0.8860 / 0.8778, dev 0.8851 /
0.8803 / 0.8385; 0.7: 0.8874 / 0.8862 / 0.8778, dev 0.8846 / 0.8808 / 0.8392); (2) the article ends
where the sum of gains from its start peaks, each block the scorers drop costing DOUBTED_BLOCK_COST
(1) more: fit 0.8873 / 0.8910 / 0.8770, dev 0.8905 / 0.8829 / 0.8411, all train 0.8883 / 0.8889 /
0.8680 (cost 2: fit 0.8880 / 0.8924 / 0.8751, dev 0.8912 / 0.8841 / 0.8206). The train sites' gold
texts, documents and spam with (1) alone: unchanged at three decimals; every README keeps what it kept.
Tried and dropped (fit / dev, against the same baseline): the cost in the stretch's own sum, so at
both edges (0.5 / 1 / 1.5 / 2: fit 0.8835 / 0.8846 / 0.8764, 0.8837 / 0.8851 / 0.8783, 0.8845 / 0.8867 /
0.8741, 0.8845 / 0.8858 / 0.8729; dev 0.8864 / 0.8809 / 0.8364, 0.8869 / 0.8822 / 0.8364, 0.8876 /
0.8808 / 0.8159, 0.8876 / 0.8823 / 0.8159; at 1 with (1): fit 0.8877 / 0.8899 / 0.8801, dev 0.8924 /
0.8843 / 0.8411), as it parts a README's introduction from its body at its table of contents: the
READMEs 0.959 -> 0.954 (narwhals, which the gate calls noisy, 33 -> 40 sentences lost). A doubted
block counted as at least m words (m 3 / 5 / 8 / 12): fit within 0.003, dev readability 0.8350 /
0.8350 / 0.8159 / 0.8055. Every line of under five words costing 1 / 3: fit 0.8804 / 0.8854 /
0.8729, 0.8883 / 0.8867 / 0.8652, dev readability 0.8315, 0.8059. A pivot of 0.6 / 0.7: fit 0.8839 /
0.8852 / 0.8727, 0.8841 / 0.8799 / 0.8676. Lines above kept only within k blocks of the stretch
(k 0, no title kept: fit 0.8898 / 0.8874 / 0.8786, dev 0.8862 / 0.8818 / 0.8409; k 3 / 6 / 10 and the
n nearest, n 1-3, between that and the baseline): (1) as good on dev, and it keeps the titles. On
top of (1) and the cost in the sum: the stretch trimmed to its first and last block of five words or
more sharing 0.2 / 0.3 / 0.5 of its content words with the rest (dragnet 0.890 -> 0.862 / 0.839 /
0.800: the comments its gold keeps share few of the article's words); a second, stricter stretch
inside the first to trim its edges, pivot 0.6 / 0.7 / 0.8 (fit 0.8919 / 0.8896 / 0.8762, 0.9005 /
0.8860 / 0.8716, 0.8952 / 0.8710 / 0.8470; dev 0.8931 / 0.8839 / 0.8108, 0.8897 / 0.8711 / 0.8083,
0.8714 / 0.8614 / 0.8310: scrapinghub up, the others down; its start only, at 0.7: fit 0.8966 /
0.8875 / 0.8770, dev 0.8891 / 0.8800 / 0.8428). What is left on scrapinghub's train dumps (kept noise
words against the gold's first and last block of five words or more): 6,000 inside that span (comment
threads, whose quoted lines align with the gold), 4,100 after it (teaser lists the context scorer
believes at 0.6-0.97, with no doubted band before them) and 2,700 before it (video and teaser
headlines).

Session 17 (issue 10, plain text; the shipped model unchanged). Decided on the train sites; F1 replayed on
the blocks clean_blocks judges (bench_clean's figures exactly: scrapinghub / dragnet / readability train
dumps 0.8884 / 0.8891 / 0.8680). Taken: on a text page the gate calls noisy, no runs, of which the block
scorer keeps SHAPE_CLEAN_WORD_SHARE (0.9) of the words, neither a run of MENU_RUN_MIN (4) lines of up to
three words without a stop nor a line of two words or more said twice: clean text. Of the train sites'
page dumps the gate calls noisy, none lacks both shapes (1 of 1,219 with the lines' stops counted as
".!?" only); of their gold texts one paragraph a line, 1,071 of 1,281 do. Train: gold texts whole one
a line / wrapped 1,255 / 1,254 either way (in-sample gate), documents unchanged. Held out: gold texts
whole 359 -> 360 of 374 (one a line and wrapped), kept 0.986 / 0.986 unchanged, /usr/share/doc 0.983 /
0.999 / 1.000 unchanged, dumps, spam and the labelled sets unchanged. Without the word share the labelled
dumps, whose furniture is bylines, ratings and ad lines rather than menus, passed as clean: noise removed
a 0.938 -> 0.631, b 0.887 -> 0.467, c 0.932 -> 0.802, d 0.829 -> 0.541, e 0.722 -> 0.639 (at 0.85: b
0.680, e 0.667; at 0.9 every labelled figure unchanged).
Tried and dropped, replayed on the pages the gate is sure are noisy: (1) comment threads as a template:
a line of up to 15 words whose words, the ones said in 3 short lines or more kept and the rest as "*",
digits as "0", make a key with 2 fixed words and a figure, said at least 3 times in distinct lines, each
within 1-6 blocks of the last (a chain), the chain and the last header's body dropped ("0. * says:
november 0, 0 at 0:0 am"): scrapinghub 0.8884 -> 0.8901 (3 pages, 1,943 noise words for 10 content
words), readability 0.8680 -> 0.8684, dragnet 0.8891 -> 0.8752: dragnet's gold keeps the comments of
many pages (75,000 content words lost on 39 pages); the header lines alone, 0.8884 / 0.8680 / 0.8870.
Without the chain and the figure the key caught Q&A lines, a daily column's dated titles and a Japanese
page's words (0.7857 on scrapinghub). (2) datelines: a line of up to 16 words, unstopped, holding a date
(a month's name and a day, or d/m/y): scrapinghub 0.8884 -> 0.8915, readability 0.8684, dragnet 0.8891
-> 0.8762; only above the first kept block of 15 words or more ending a sentence: 0.8914 / 0.8680 /
0.8834 (dragnet's gold keeps bylines, "by John on July 21, 2012", "Published: July 23, 2012"). What
scrapinghub's gold leaves out and dragnet's keeps (comments, bylines, the headline) is where
scrapinghub's train dumps keep most noise: of 20,300 kept noise words, 4,400 are long paragraphs inside
the gold's span on pages the gate is sure are noisy, 2,600 before it (headlines said twice, bylines,
captions), 2,000 after it as list entries (one site's teaser lists), and 2,300 after it on pages the gate
is unsure of (no article cut runs there).

Session 18, tried and dropped (train sites only): a run of short lines counted as a menu only when
under t of its words (3 letters or more) occur in the page's other, longer lines (a document's headings
and track titles name what its prose says; a menu's labels do not). Of the train gold texts one
paragraph a line (906 of ten blocks or more), 195 have a dump's shape, 41 by a run alone; at t 0.3 /
0.5 / 0.7 / 0.9 they fall to 179 / 183 / 187 / 191, and of the 63 node_modules docs 46 -> 30 / 38 /
41 / 44; of the 1,222 train dumps the gate calls noisy 1,222 -> 1,175 / 1,204 / 1,221 / 1,222, of the
49 the shape decides (block scorer keeps 0.9 of the words or more, no runs) 49 -> 43 / 48 / 49 / 49.
But the gate (in-sample) calls noisy only three train gold texts the shape decides (a thread's
comments and dates, a list of services whose names are said twice), and each also has a line said
twice: the change keeps no more train text whole, so it did not earn its place and the held-out
figure was not taken.

Session 18, round 3 (train sites only; the shipped model unchanged). The gold texts the gate calls noisy
out of fold (`--folds 5`: 43 / 44 / 35 of 1,281 one a line / wrapped / Markdown, 122 in all), each run
through clean_blocks at its out-of-fold score (rescaled so the fold's threshold falls on the shipped one),
keep 22,786 of their 22,996 sentences; 97 of the 122 lose none. The 210 lost, by cause: comments with their names and dates, which dragnet's gold keeps (R155,
R434, R900: 54), a track list of "1." / "title" lines (R899: 52), teaser headlines and bylines the gold
keeps (nytimes-5, R900's related entries: 48), the short lines of a video's caption (445: 16), short
section headings and entries ("More resources", "Top 5 most misunderstood", a blog's "2021 Planning
underway": 17), a list of link lines (R203: 8), an event list (R900: 7), lines opened by a pictograph
(6, the furniture pass), 2 others; by pass, the context scorer 182, the article cut 10, furniture
8. On the 63 node_modules documents (never fitted on), 57 / 57 / 20 of 6,154 sentences go, most of them
an API reference's code-name headings ("Pool.close([callback])", first pass 0.2-0.35) and the one-line
paragraphs after them, cut outside the article once those headings went. Two page features tried in the
gate, out of fold (5 folds of sites, gold texts one a line / wrapped / Markdown judged clean, then
node_modules documents as text, labelled sets a-d, train dumps scrapinghub / dragnet / readability):
shipped 0.966 / 0.966 / 0.973, 0.587, a-d 0.000 / 0.200 / 0.333 / 0.167, dumps 0.088 / 0.044 / 0.268;
the share of short unstopped lines (up to six words) followed by a prose block (eight words or more,
ending with a stop) 0.971 / 0.970 / 0.981, 0.587, a-d 0.600 / 0.200 / 0.333 / 0.333, dumps 0.066 /
0.046 / 0.268; the share of the page's words in blocks ending with a stop 0.966 / 0.966 / 0.971, 0.619,
b 0.600; both 0.970 / 0.970 / 0.978, 0.651, a 0.400, d 0.333, dumps 0.074 / 0.048 / 0.293. Each lets
whole labelled sets pass as clean, for under 0.01 more gold texts judged clean, which lose few
sentences anyway: not taken, no refit, and no held-out figure taken (the comparison also printed how
each gate judges the held-out /usr/share/doc documents; the decision rests on the labelled sets).

Session 20 (issue 10, the article's tail; the shipped model unchanged; decided on the train sites, F1 of
bench_clean's text rows replayed on the train dumps, scrapinghub / dragnet / readability 0.8884 / 0.8893
/ 0.8636). Where the kept noise of the pages the gate is sure are noisy lies against the gold text's
span (its first and last block of five words or more): scrapinghub 6,300 words inside it, 4,100 after it
in the article's stretch, 3,100 before it in the stretch, 460 above (titles kept by the subject rule);
dragnet 28,200 / 15,200 / 14,700 / 1,900; readability 6,700 / 2,800 / 2,000 / 190. Dropping every kept
block after the span would lift the train dumps to 0.9042 / 0.9046 / 0.8712, before it to 0.9090 /
0.8993 / 0.8751. Tried and dropped (3g., in keep_the_article): a stretch of list entries in the article
holding 5 kept entries or more, with no kept paragraph of 15 words or more ending with a stop after it
in the article, more than half of whose kept entries share under 0.2 of their content words with the
article's other kept blocks, went (a site's list of its other stories, each entry a headline, byline,
date and summary, believed at 0.4-0.97): train dumps 0.8884 / 0.8893 / 0.8636 -> 0.8937 / 0.8894 /
0.8636, labelled sets a-d unchanged. Runs of 4 / 3 entries: 0.8937 / 0.8890 / 0.8636, 0.8937 / 0.8886 /
0.8587 (content lists of oreilly.com, mashable.com, tumblr.com); share 0.3 at 5: 0.8923 / 0.8893 /
0.8636; without the tail condition (any list of the stretch), run 3 / share 0.2 replayed after the fact
0.8943 / 0.8883 / 0.8578, run 5 0.8940 / 0.8895 / 0.8634. Counted as consecutive kept entries only (not
the list's stretch of entries), a teaser the context scorer doubted split one site's list and it stayed:
0.8911 / 0.8894 / 0.8636. The gain lies on few sites (washingtonexaminer.com's two scrapinghub pages,
berryreview.com and coolcatteacher.blogspot.com on dragnet; 49 entries, none in a gold text). Held out,
taken once: dumps 0.865 / 0.873 / 0.872 -> 0.865 / 0.870 / 0.872 (dragnet recall 0.903 -> 0.894:
highscalability.com's link roundups, whose article is a list of quotes and links on other subjects, lost
2,034 words of 51 entries, while blogto.com's comment teasers lost 1,508 noise words for 107 content
words); controls, spam pages and labelled sets unchanged. A list of other subjects is an article when
the article is a list; not kept, and not tuned on the held-out sites. Also tried and dropped (replayed
after the fact on the pages the gate is sure are noisy): a kept unstopped line of five words or more
inside the article judged by the share of its content words the article's other blocks use (a related
headline run into the article) separates nothing: on scrapinghub's train dumps 895 content and 1,427
noise words share under 0.5, on dragnet's 22,800 content and 7,300 noise words; a block that is a phrase
of four words or more said twice in a row (an image's caption and its link, "10 Tips To Help Your Teen
... 10 Tips To Help Your Teen ...": 15,400 kept noise words on dragnet's train dumps, 260 content)
0.8884 / 0.8895 / 0.8638 on those pages, 0.8884 / 0.8901 / 0.8638 with the pages the gate is unsure of
(readability's gold keeps its lorem-ipsum test pages and a lifehack page's doubled headlines); the list
entries 3f. keeps whole outside the article (footer menus once a teaser list held the majority): 0.8887
/ 0.8894 / 0.8636, every list entry 3f. keeps on those pages 0.8880 / 0.8894 / 0.8631.

The page gate's figures on the train sites are in-sample (its clean pages are the gold texts
it was fitted on: 1.6% of them judged noisy against 6.4% of the held-out ones); `--folds 5`
prints them out of fold (sites held out five ways), which is what a change to the gate is
measured by. Out of fold, at 4% of noisy pages passing, the train sites' gold texts are judged
clean 0.966 / 0.965 / 0.975 (one paragraph a line / wrapped / Markdown; in-sample 0.986 /
0.986 / 0.988), those of ten blocks or more (the gate judges no shorter page) 0.960 / 0.960 /
0.970. Tried and dropped (out of fold, session 9): a page-length feature lifts the latter to
0.983 / 0.983 / 0.979, but it
learns that a gold text is shorter than the dump of its own page: a held-out clean document
of 1,631 lines (dragnet T71) was judged noisy at 0.05 and lost 1,152 sentences, and the seeds'
noise removed fell 0.673 -> 0.514 (one spun seed passed as clean); without length, the other
page features tried (short lines said once, their mean length, short lines naming a control,
one- and two-word lines) move gold kept by under 0.003 and cost a labelled set noise removed;
a soft gate (the block threshold moved from 0.1 to the scorer's along the gate's log-odds
below its threshold) keeps 0.9986 of the gold sentences instead of 0.9937 but removes less
noise from the labelled dumps (set a 0.744 -> 0.551 at its widest, 0.631 at a band from 0.1);
shallower or fewer trees, or leaves of 20-50 pages, judge fewer gold texts clean; on a page
judged clean, keeping every line of eight words or more said once and naming no control lifts
the READMEs 0.939 -> 0.947 but keeps noise of the labelled pages the gate lets through (set b
removed 0.647 -> 0.627 out of fold).

The gate is reported, never fitted, on clean technical documents (doc_pages: installed Markdown
documentation, bench/cleaning_data.tech_docs, in the gold texts' three layouts). The shipped gate
judges clean 0.890 / 0.927 / 0.939 (Markdown / one paragraph a line / wrapped) of the 82 held out
under /usr/share/doc, which keep 0.933 / 0.965 / 0.984 of their sentences, and 0.683 / 0.619 / 0.619
of the 63 under /usr/lib/node_modules. Tried and dropped (session 11): the node_modules documents
as clean pages of the gate (refit of page, then of context): held-out documents judged clean
0.927 / 0.939 / 0.951 and kept 0.936 / 0.967 / 0.985, READMEs 0.941 -> 0.947, but held-out dumps
F1 0.853 / 0.865 / 0.866 -> 0.845 / 0.866 / 0.863, labelled e content / noise 0.981 / 0.694 ->
0.968 / 0.667 and the seeds' noise removed 0.721 -> 0.688: seed 002 (a disease fact sheet of short
headings and "Label: value" lists) reads like a manual, and passes as clean in every fit with the
63 documents (0.43-0.76 against a threshold of 0.39-0.42; 0.18-0.20 without documents). With the
documents of 3 KB or more only (43; seed 002 at 0.27, context not refitted): READMEs 0.949, held-out
documents kept 0.932 -> 0.934 as Markdown, labelled d noise 0.782 -> 0.776; weighted 5 or 20 each,
fewer held-out documents pass than at 1; the labelled pages weighted 1 in the gate (not 20), out
of fold 60-100% of them pass. A page feature for what the writer marked as code (code blocks and
lines all in code spans over all blocks) left the documents out of fold unchanged (0.714 / 0.667 /
0.651 against 0.730 / 0.667 / 0.667); three fits averaged (the runs scorer's way) still let seed 002
through. Two structure shares measured on samples separate nothing: headings followed by a body
(page dumps 0.90, documents 0.71-0.78) and short unstopped lines that are headings, list entries
or table rows (dumps 0.72, Markdown documents 0.95 but the same documents as text 0.34-0.56). What
the gate weighs against a README: heading_block_share and separator_block_share (a Markdown table's
row is its cells joined by " | ", the separator of a menu line).

The runs scorer is this script's output: `python -m pipeline.clean.train --only runs`
refits it alone into the shipped model.json (page gate and block scorer kept as they are)
and reproduces the file byte for byte. Fitted on the sentences of runs and the parts
glue.py cuts off them (train sites: spam pages, the dumps' and HTML pages' runs, long
gold paragraphs), it moved the train split's spam pages from 0.967 real sentences kept /
0.554 noise removed (the block scorer on the same parts) to 0.960 / 0.835. With glue.py's
lexicon openers, the start_lift and end_lift features, spam parts labelled by whole words
(EXAMPLES_VERSION 2) and RUN_MIN_LEAF, the refit moved them to 0.953 / 0.879 and the
held-out (test) split's from 0.971 / 0.850 to 0.963 / 0.899 (the seeds' noise removed
0.620 -> 0.668), every other figure of bench/bench_clean.py unchanged. (That refit read
the parts glue.py cut before it learned that "Kottler D," is an initial; a refit now
differs from the shipped runs scorer in those rare parts only.) Refitted after glue.py's
cut before an opener after a menu line's length of words, with topic_share (the share of a
part's content words that other blocks of the page use) added: on 100 fresh train-site spam
pages (spam_pages(n=200, seed=1)) real sentences kept / noise removed 0.959 / 0.899 (the
previous scorer) -> 0.963 / 0.907; a refit without topic_share gives 0.965 / 0.897, and at
equal sentences kept topic_share removes 0.006-0.007 more; the train split's dumps, HTML
pages and clean documents unchanged. Refitted again once a run-on page's stray short lines
(RUN_PAGE_SHARE in pipeline/clean/__init__.py) became parts of the run: 0.963 / 0.907 ->
0.966 / 0.913 (the train split's 30 bench pages 0.955 / 0.892 -> 0.963 / 0.898). The shipped
runs scorer is this script's output after glue.py's comma and end-lift cuts (0.965 / 0.916 on
those 100 pages, on the same curve as the fit before it: 0.970 / 0.908 with its threshold's
log-odds 0.25 lower). Refitted on spam pages with keyword salad among their garbled
"sentences" (SPAM_MORE_KINDS: the page's most repeated content-word phrase strung together
with its content words, as on the seeds' spun pages; cleaning_data._more_kinds): on fresh
train-site spam pages (spam_pages(n=200, seed=1) / seed=2) real sentences kept / noise removed
0.965 / 0.917 -> 0.962 / 0.917 and 0.964 / 0.929 -> 0.964 / 0.928; on the same pages with salad
(more_kinds=True) 0.970 / 0.857 -> 0.968 / 0.926 and 0.969 / 0.862 -> 0.971 / 0.928; the held-out
(test) rows of the runs scorer: controls' content recall 0.980 -> 0.979, spam noise removed
0.752 -> 0.851 at the same recall (0.989). Tried and dropped: two features,
the share of a part's tokens shaped like a reference's (author initials, volume:pages, doi,
journal abbreviations) and the longest stretch of words without a function word (salad), moved
those pages by under the fit-to-fit noise (0.964 / 0.912 with them against 0.964 / 0.917
without, both fitted with references and salad); other kinds of training noise (cleaning_data.py: SALAD_PER_GARBLED's comment).
Refitted (EXAMPLES_VERSION 5) with topic_weight (features.py: how widely the page uses a part's
content words) and training spam pages whose inserted lines end with a full stop 3 times in 10
(cleaning_data.STOPPED_NOISE_SHARE: a title or menu entry run into the text as a sentence of its
own), at RUN_TARGET_RECALL 0.992. On fresh train-site spam pages (spam_pages(n=200, seed=1), the
same with salad, seed=2, the same with salad) real sentences kept / noise removed, a refit without
the two (at 0.99) -> this one: 0.963 / 0.916 -> 0.966 / 0.921, 0.969 / 0.925 -> 0.973 / 0.927,
0.967 / 0.929 -> 0.963 / 0.936, 0.973 / 0.929 -> 0.971 / 0.932 (the same real sentences kept on
average, 0.004 more noise removed); held out: bench_clean spam 0.974 / 0.930 -> 0.973 / 0.936,
the seeds 0.937 / 0.721 -> 0.944 / 0.731. Each alone, at 0.99, moved those four sets along the
curve or traded one against another: topic_weight 0.958 / 0.921, 0.965 / 0.932, 0.958 / 0.940,
0.968 / 0.937 (its threshold's log-odds 0.3 lower: 0.967 / 0.915, 0.974 / 0.922, 0.966 / 0.931,
0.974 / 0.930); stopped lines 0.965 / 0.921, 0.973 / 0.931, 0.965 / 0.931, 0.971 / 0.930
(held-out spam 0.972 / 0.932), at 6 in 10 0.968 / 0.916, 0.974 / 0.926, 0.964 / 0.926,
0.970 / 0.929. A neighbourhood feature (the share of a part's content words the two parts either
side use) told real sentences from inserted ones no better than chance on those pages (AUC 0.47
among the parts kept: their real sentences are shuffled), and was not fitted.
Session 12 (fresh train-site spam pages spam_pages(n=200, seed=1) / the same with salad / seed=2 /
the same with salad, real sentences kept / noise removed; held out: bench_clean spam, the seeds).
After glue.py's cut before a name's first word the shipped runs scorer was kept: a refit on the new
parts gave 0.968 / 0.921 -> 0.967 / 0.920, 0.976 / 0.931 -> 0.975 / 0.932, 0.963 / 0.935 -> 0.962 /
0.935, 0.974 / 0.932 -> 0.974 / 0.932, held out 0.973 / 0.935 -> 0.970 / 0.940 and the seeds 0.944 /
0.731 -> 0.937 / 0.726, so a refit now differs from the shipped scorer in those parts. Tried and
dropped: off-topic prose as training noise again, now that topic_weight exists (among other pages'
real sentences inserted into train-site spam pages, topic_weight alone scores AUC 0.92 against the
real ones, the shipped scorer 0.64: it never saw such noise): one sentence of another site's page per
ten real ones, half of them cut as snippets ("... accounting for up …"), refitted: 0.966 / 0.921 ->
0.966 / 0.920 and 0.963 / 0.936 -> 0.960 / 0.930 on the plain pages, held out 0.973 / 0.936 ->
0.971 / 0.936, the seeds' noise removed 0.731 -> 0.716 (on-topic snippets such as "Immune myopathy …"
now kept: the trees split on topic instead of the ellipsis); whole sentences only: 0.966 / 0.918,
0.963 / 0.926, held out 0.975 / 0.930, the seeds 0.707. The seeds' off-topic prose shares the page's
common words ("medical", "treatment"), not its rare ones, and a rarity-weighted share of the words
other blocks use (general-English Zipf, pipeline/english.txt) told inserted prose from real no better
than topic_weight (AUC 0.89-0.91 against 0.92), so it was not added. The page's own headings
(2-12 words of its gold text, no stop) run in with a full stop as training noise, one per ten real
sentences (a title run into the text, "Autoimmune necrotizing myositis."), refitted after the name
cut: 0.968 / 0.921 -> 0.965 / 0.921 and 0.963 / 0.935 -> 0.961 / 0.931 on the plain pages, held out
0.973 / 0.935 -> 0.974 / 0.932, the seeds 0.944 / 0.731 -> 0.923 / 0.731 (real short sentences went).

The context scorer (`python -m pipeline.clean.train --only context`, a few minutes; it
reads the page gate and the block and runs scorers as written in --out, so it is refitted
after any of them) is this script's output too: fitted on the blocks (sentences of runs
aside) of the train split's page dumps and labelled dumps that the gate is sure are noisy
(CONTEXT_PAGE_QUANTILE), with CONTEXT_FEATURES, what the first pass said around a block.
It moved the held-out (test) split's dumps F1 from 0.812 / 0.843 / 0.856 to the figures in
README.md (scrapinghub / dragnet / readability), the controls, spam and labelled figures
unchanged or higher.
Refitted after the runs scorer learnt keyword salad (the runs scorer alone moves none of these):
held-out dumps F1 dragnet 0.864 -> 0.865, package READMEs kept 0.940 -> 0.938 (three list lines of
one README), labelled noise removed a 0.847 -> 0.841, c 0.823 -> 0.839, d 0.776 -> 0.782,
e 0.688 -> 0.694, content kept unchanged.
Refitted after the runs scorer learnt topic_weight and stopped lines (EXAMPLES_VERSION 5), so
model.json is what this script writes: held-out dumps 0.853 / 0.865 / 0.866 -> 0.853 / 0.865 /
0.871, package READMEs 0.941 -> 0.943, spam pages, the other controls and HTML unchanged; the
labelled sets moved both ways (noise removed a 0.841 -> 0.847, b 0.827 -> 0.820, c 0.839 -> 0.833;
set e's content kept 0.981 -> 0.968, two sentences of a clean stretch).
Tried and dropped (decided on the train split, 2-fold by site
for the context features, held-out figures for the record): a context feature main_topic_share
(the share of a block's content words that the main stretch's other blocks use) removed more
noise out of fold (scrapinghub / dragnet / readability blocks 0.756 / 0.842 / 0.695 -> 0.779 /
0.859 / 0.712) and, refitted, lifted the train dumps' F1 0.864 / 0.868 / 0.852 -> 0.866 / 0.873 /
0.852, but clean READMEs the gate misjudges as noisy lost sentences (narwhals 46 -> 54 lost,
soupsieve 8 -> 11) and the held-out dumps fell (0.853 / 0.864 / 0.866 -> 0.851 / 0.860 / 0.869): a
clean document's later sections use other words than its main stretch. Repeated shapes (the
length of a run of same-shaped blocks, same shapes within two blocks), a second-densest stretch
and the position inside the main stretch moved noise removed by under 0.005 either way, or
traded one set against another. Judging the pages the gate is unsure of (0.07 to its threshold)
with this context scorer lifts the train dumps to 0.868 / 0.869 / 0.857 (held out 0.856 / 0.866 /
0.866) and the gold controls 0.996 -> 0.998, but the brotli README loses 5 more sentences (readmes
0.940 -> 0.936) and labelled set b a content item; letting it change only verdicts outside the
first pass's main stretch keeps most of the gain (0.867 / 0.869 / 0.856) and still costs a README
sentence and set b's noise removed (0.827 -> 0.820). Refits that each moved the train dumps up
but the small sets both ways (every refit reshuffles the blocks near the threshold of the few
clean READMEs the gate judges surely noisy, and of the labelled pages): the share of templated
blocks (said again, or half their trigrams said again: a comment thread's "NAME says: DATE")
within 2 and 5 blocks, 0.866 / 0.871 / 0.852, READMEs narwhals 46 -> 50 and soupsieve 8 -> 9
sentences lost, labelled a / d noise removed 0.847 / 0.776 -> 0.835 / 0.759; with the gold texts
the gate doubts (under its threshold) added to the context scorer's examples, 0.869 / 0.870 /
0.852, READMEs 46 -> 43 and 8 -> 6 lost, but labelled a / d / e noise removed 0.830 / 0.747 /
0.681; those gold texts alone, 0.866 / 0.871 / 0.852, set e content kept 0.981 -> 0.968.
What the context scorer keeps wrongly on the train split's scrapinghub dumps (precision 0.784,
recall 0.960; 25,400 words kept that the gold text lacks, 19,400 of them on pages it judges):
teaser lists of other stories (image file, headline, summary, "2H ago"), comment threads ("NAME
says: DATE" + reply), photo captions, cookie / privacy / newsletter notices, author and company
blurbs; what it drops wrongly is mostly subheadings and short lines (2,500 words). The sets
disagree on comments: 412 of dragnet's 1,362 gold texts go on past a line "!@#$%^&*()  COMMENTS"
with the page's comments (over 20 words of them on 276 of the 1,064 train pages; 35% of the train
split's dragnet gold words), scrapinghub's and readability's gold texts never hold comments, so a
reply is content on one set and noise on the others, and the fit learns it as content (held out,
for the record: the test split's 99 dragnet pages with comments in their gold score 0.858 against
it and 0.547 against the article alone, precision 0.387; the other 199 pages 0.868 either way).
Tried and dropped (session 11, out of fold: 2 folds of train sites, the pipeline's dumps F1
scrapinghub / dragnet / readability, 0.8631 / 0.8566 / 0.8475 with today's features and labels):
a context feature near_record_header (within 3 blocks, how often a short line with a number in it
stands on the page on its own with the same word-class shape, "2 days ago at 07:52 am" -> "0 a a
a 0:0 a": a comment's date line, a teaser's "2H ago") 0.8631 / 0.8531 / 0.8480, word-weighted
noise removed unchanged; the stretch again with a pivot of 0.7 instead of 0.5 (in it, and the
distance to it: on the train scrapinghub dumps judged in context it holds 6,500 fewer noise words
and 400 fewer content words of what the first pass keeps than the main stretch, but on
readability 2,300 fewer noise and 8,400 fewer content words) 0.8644 / 0.8531 / 0.8464; both, with
a block feature person_share (the share of a block's words that are I, you, we and their forms: a
reply is conversational, a teaser is not) 0.8658 / 0.8522 / 0.8452, the last two without the date
line 0.8654 / 0.8545 / 0.8458 (each feature that tells what follows the article from the article
drops dragnet's comments, content there: its recall 0.917 -> 0.912-0.914); repeated sequences of
coarse block shapes (a record of 2-6 blocks, three in a row) found no template on two teaser-list
pages (each record's lengths and digits vary); the dragnet train pages labelled from the text
before that line only (comments as noise) 0.8392 / 0.8432 / 0.8387 (the 97%-recall threshold fell
from 0.37-0.44 to 0.21-0.25; dragnet against that shorter gold 0.7927 -> 0.7888); those pages'
comment blocks left out of the examples (neither content nor noise) 0.8539 / 0.8577 / 0.8441
(threshold 0.28-0.31). A lower recall target (CONTEXT_TARGET_RECALL 0.96, threshold 0.51) lifts
the train dumps in-sample 0.864 / 0.870 / 0.851 -> 0.877 / 0.880 / 0.854 and labelled noise
removed (a / b / c / d 0.841 / 0.827 / 0.839 / 0.782 -> 0.881 / 0.867 / 0.906 / 0.824), but loses
labelled content (b 0.995 -> 0.990, c 0.987 -> 0.982, held-out e 0.981 -> 0.968: two sentences of
a disease page).
Tried and dropped (session 12, issue 10's lists and short lines; decided on an inner split of the
train sites: a third of them by sha256("dev:" + site) held out as dev, block and context scorers
fitted on the rest; test figures for the record): a block feature prose_topic_share, the
idf-weighted (log((n + 1) / blocks holding the stem), over the page) share of a block's content
stems (five letters) that another prose block of the page uses, leave-one-out (a content list names
what the article names, a teaser list of other stories does not). In the context scorer alone
(blocks as shipped) against the same refit without it, dev dumps F1 scrapinghub / dragnet /
readability 0.859 / 0.868 / 0.811 -> 0.861 / 0.870 / 0.817 (word-weighted noise removed by the
context scorer 0.827 / 0.859 / 0.662 -> 0.837 / 0.870 / 0.682 at the same recall), but the package
READMEs 0.941 -> 0.934 (list lines of a README the gate misjudges), and held out 0.853 / 0.865 /
0.871 -> 0.847 / 0.861 / 0.872, READMEs 0.943 -> 0.935, labelled b content 0.995 -> 0.990 (noise
removed a-d up 0.03-0.08). With the block scorer refitted too (which then also reads start_lift,
end_lift, topic_share and topic_weight), against the same refit without it: dev 0.827 / 0.866 /
0.819 -> 0.840 / 0.870 / 0.814, READMEs 0.944 -> 0.924; held out 0.850 / 0.864 / 0.875 (without it
0.851 / 0.861 / 0.875), labelled content kept b 0.979, e 0.955, seeds 0.937 (0.995 / 0.968 / 0.944
shipped). It does not save seed 002's list of the disease's other names either: "Anti-SRP myopathy"
(every stem in the prose) still scores 0.26, as the train pages' short list entries teach.
The unsure scorer (context.unsure; fitted by --only context after the context scorer) judges the
pages the gate scores from the context scorer's max_page_score (0.0705) up to its threshold
(0.4068): the scorer's examples come from every page the gate calls noisy (228,844 train blocks),
with page_log_odds. Decided on the inner split above (dev sites'
dumps F1 scrapinghub / dragnet / readability, READMEs, technical documents as Markdown / one
paragraph a line / wrapped; both scorers fitted on the inner train sites): the context scorer alone
0.855 / 0.868 / 0.809, READMEs 0.931, 0.936 / 0.965 / 0.984; with the unsure scorer 0.860 / 0.870 /
0.812, 0.928, 0.929 / 0.972 / 0.986 (dev gold texts 0.997 -> 0.999). Held out: dumps 0.853 / 0.865 /
0.871 -> 0.856 / 0.866 / 0.871, gold texts 0.975 / 0.975 / 0.972 -> 0.985 / 0.985 / 0.983, READMEs
0.946 -> 0.946, technical documents 0.936 / 0.965 / 0.984 -> 0.935 / 0.971 / 0.986, spam unchanged;
labelled content / noise b 0.995 / 0.820 -> 0.995 / 0.847, c 0.987 / 0.833 -> 0.987 / 0.844, d 1.000 /
0.782 -> 1.000 / 0.788, e 0.968 / 0.694 -> 0.981 / 0.715 (a disease's other names kept), the seeds
0.944 / 0.731 -> 0.937 / 0.726 (seed 002, page score 0.18, loses its definition sentence: first pass
0.93, context 0.41, outside the main stretch among "Label: value" lines; its list of other names is
still dropped). Tried and dropped: the shipped context scorer on every noisy page (dev 0.865 / 0.870
/ 0.816, READMEs 0.928; held out 0.856 / 0.867 / 0.871, gold 0.980 / 0.980 / 0.976, labelled b content
0.990, the seeds 0.937); one scorer fitted on every noisy page, without page_log_odds (held out 0.854 /
0.870 / 0.873, gold 0.974 / 0.975 / 0.971, READMEs 0.934, labelled c 0.969, e 0.955) and with it (dev
0.867 / 0.873 / 0.818, READMEs 0.917, Markdown documents 0.929; held out 0.859 / 0.870 / 0.873, gold
0.985 / 0.985 / 0.983, READMEs 0.936: narwhals, page score 0.03, 47 -> 62 sentences lost, as the
threshold fitted on more pages rose 0.42 -> 0.50; labelled c content 0.982); that scorer used only up
to a page score of 0.15 or 0.25 (dev 0.862 / 0.874 / 0.816 and 0.869 / 0.873 / 0.819, READMEs 0.921 and
0.917, technical documents as text 0.965 and 0.962).
Shipped: the unsure scorer only rescues (a block the block scorer keeps stays; written after seeing
seed 002's losses, so the seeds are no longer a blind check of it). Held out: dumps 0.855 / 0.865 /
0.871, gold texts 0.986 / 0.986 / 0.983, READMEs 0.947, technical documents 0.945 / 0.977 / 0.990,
spam 0.973 / 0.935; labelled b 0.995 / 0.813, c 0.987 / 0.833, d 1.000 / 0.782, e 0.987 / 0.667, the
seeds 0.944 / 0.726 (their title and definition paragraph kept; seeds-first Success@1 0.767, one
question below the code without the unsure scorer: a kept language line becomes a passage under
"Prognosis"). Not taken: the unsure scorer kept from overruling only a block scored 0.9 or more
(seed 002's title, 0.71, went, and seeds-define Success@1 0.833 -> 0.750), held out: dumps 0.856 / 0.867 / 0.871, gold texts 0.985 / 0.985
/ 0.983, READMEs 0.946, technical documents 0.940 / 0.974 / 0.989 (Markdown / one paragraph a line /
wrapped), spam 0.973 / 0.936, HTML unchanged; labelled b 0.995 / 0.840, c 0.987 / 0.844, d 1.000 /
0.788, e 0.981 / 0.701, the seeds 0.944 / 0.726 (the definition paragraph kept; one noise item more
left).

Session 16 (issue 10, spun and garbled sentences; nothing shipped, the shipped model unchanged). What
the labelled pages keep: on set e and the seeds, one garbled sentence of seed 001 and ten
keyword-stuffed lines of e's stiff_person_syndrome page; the rest is real prose from elsewhere (book
blurbs, references, disclaimers, UI sentences), ad and contact lines, and footers. The stuffed lines
stand on a page the gate is unsure of (0.18), where the first pass keeps them (0.94) and the second
only rescues; on sets a and d, whose pages the gate is sure of, the same kind of line already goes.
Both tried on the shipped model, decided on the train sites and sets a-d, then measured held out:
(1) a veto of spun text by word order (commit 830e122): each text's skeleton (function words as
themselves, other words by shape and ending, punctuation) scored by a trigram model of the train
sites' gold sentences, with the first word's start lift and the last word's end lift, in a logistic
model fitted out of fold (two halves of the train sites) on the spun and salad sentences of train
spam pages against real sentences, its bar at 0.5% of the real ones; applied to a kept paragraph or
run sentence of eight words or more ending with a stop, on a page the gate calls noisy. Out of fold
it flags 0.33 of the spun sentences (0.24 with spacing marks, 0.11 without the lifts). Dev: a-d and
the train spam pages unchanged (the runs scorer already drops what it flags); held out: e noise
0.722 -> 0.729, spam 0.972 / 0.941 -> 0.970 / 0.943, gold texts one paragraph a line 0.986 -> 0.982
(with punctuation spacing read as a skeleton mark: wikipedia-2, tokenised, lost 544 of its 1,932
sentences; without it, its 104 references). Not taken. (2) On a page the gate is unsure of, a block
goes when both context scorers, the unsure one and the sure-noisy pages' one, score it under 0.45 of
their bars, on a page a tenth of whose words are function words (commit 3a20b83; at the bars
themselves seed 002's title and definition went, as above; without the English test the train
sites' Spanish news page lost its article). Dev: labelled noise removed b 0.887 -> 0.907, c 0.932 ->
0.943, d 0.829 -> 0.835, content unchanged; train dumps 0.8883 / 0.8889 / 0.8680 -> 0.8885 / 0.8898 /
0.8684; train gold texts unchanged; node_modules documents unchanged (at 0.5 of the bars they lose a
question of node-gyp's LanguageSpecification.md). Held out: e 0.722 -> 0.736 (0.743 at 0.5), the
seeds unchanged, spam removed 0.941 -> 0.943 (at 0.5); but gold texts lose sentences (lwn-1's index
lines, 4 a layout; a figure of wikipedia-2's infobox) and the brotli README one list entry: gold
0.986 -> 0.985, READMEs 0.965 -> 0.964. Not taken. The train sites' gold texts are no check of the
unsure band: the gate is fitted on them (1.6% judged noisy, 6.4% of held-out ones); a rule there
wants the gate's out-of-fold scores of the train gold texts (`--folds`) as its dev set.

Session 17 (issue 10, boilerplate sentences in runs; commit d17daac, not taken). A sentence scorer
learned from the train sites' page dumps: every sentence of four words or more ending with a stop,
content when aligned with the gold text, boilerplate when not and said again (on another page of its
site or on another site; said once, a teaser or a comment, left out); a logistic regression
(liblinear, C 0.5, sites weighed 1 / sentences ** 0.5) on its words and word pairs held by the
sentences of 30 train sites or more (4,351 terms) and nine shape features, its bar the score under
which 99.5% of the train content sentences lie (0.907); applied to a kept sentence of a run on a page
that is not clean text. Held out first (test sites' sentences, site-weighted): content dropped 0.0131,
boilerplate said again dropped 0.281, all boilerplate 0.216 (all not-gold sentences as boilerplate,
words of 30 sites, no pairs: bar 0.952, 0.0126 / 0.193). Labelled sets a-e and the seeds unchanged
(no kept run sentence reaches the bar), spam test 0.972 / 0.941 -> 0.971 / 0.943. The bar lowered,
train spam (dev) 0.9555 / 0.9118 -> 0.9505 / 0.9164 at 0.8, 0.9446 / 0.9175 at 0.5 (as many real
sentences lost as noise lines removed), sets a-d unchanged; applied to kept paragraphs and list
entries too, a-c unchanged and d noise 0.829 -> 0.835 at 0.8. Variants on an inner split (dev: a third
of the train sites), content dropped / said-again boilerplate dropped at the same 99.5% bar: all
sentences 0.0125 / 0.199; said again only 0.0114 / 0.228; terms of 60 sites 0.008 / 0.177, of 15 sites
0.016 / 0.258; C 0.1 0.0095 / 0.208; word pairs 0.0131 / 0.256; stopped sentences only 0.0092 / 0.269,
with pairs 0.0112 / 0.322. Why it fails: the dumps' boilerplate prose is news furniture (comment
forms, newsletter and author blurbs), and the words of a saved page's interface or disclaimer
("unavailable", "disclaimer", "substitute", "licensed") are held by too few train sites' stopped
sentences to get a weight; the seeds' UI sentences score 0.02 to 0.46 there, under content sentences
of the same page (up to 0.50). With the sentences of the labelled sets a-d added (each page a site of its
own): held out 0.0125 / 0.281, train spam 0.9555 / 0.9118 -> 0.9545 / 0.9129 at its bar (0.907), and a
topic word of those pages ("doctors") among the heaviest.

Session 19 (issue 10, noise left in text dumps; the shipped model unchanged). What the train sites'
1,282 page dumps keep that their gold texts do not: 152,032 words in 13,961 blocks, nearly all on pages
the gate calls noisy (1,200 with a context pass; 81 clean pages keep 0.006 of the precision lost).
By kind (rough shape tests; words, then the summed share of each page's kept words, over pages):
prose inside the gold's span 37,113 (0.020), unstopped lines of five words or more (teaser and
related-story titles, headlines said twice) 28,082 (0.024), prose before the span 25,654 (0.011) and
after it 17,748 (0.019; author and site blurbs, sign-up forms, disclaimers, comment rules), menu lines
of up to four words 10,463 (0.014), date and byline lines 8,469 (0.009), tag and category lists 7,231
(0.006), "about" blurbs 6,418 (0.004), comment and post UI 4,520 (0.004), captions with a photo credit
2,875 (0.003). Content lost (blocks aligned with the gold, dropped): the context scorer 6,672 blocks /
26,845 words, the article cut 2,109 / 10,308, the furniture lines 81 / 546. On sets a-d, 70 noise
items were left (a 11, b 17, c 13, d 29), by hand: ads, offers and calls to act (19: a price, "Book
now", "Learn more ›", a donation appeal), site UI lines (8: search boxes, a cookie notice, "Keep
reading below the ad"), contact, hours and address lines (9), an encyclopedia mirror's table of
contents (7: its headings end in "[modify | history]", which normalize does not know, so no entry
matched its heading; fixed: a trailing bracketed link is left out of both titles, d 0.829 -> 0.871,
a-c, e and the seeds unchanged, dumps unchanged at three decimals, train and test), related-question
and related-search lists and tags (7), hatnotes and a mirror's note (5), forum member lines (4),
bylines and dates (3), blurbs and a figure caption (3), references (2), a disclaimer and a headline.
Tried and dropped, replayed on the train dumps' kept blocks (scrapinghub / dragnet / readability F1, from 0.8885 / 0.8894 / 0.8636):
(1) a line said in another dump of the same site (two words or more; the corpus-level template, an
upper bound, as no build pass sees other pages yet): 0.8959 / 0.8933 / 0.8521 (19,413 content words
among 53,060 flagged: a site's pages share their standing text, readability's chapters their lines);
(2) a block of eight words or more said again within five blocks (a caption dumped twice, a teaser
beside its own link), on pages with a context pass: 0.8936 / 0.8856 / 0.8543 (5,979 content words of
9,767: repeated pull quotes, embedded posts, code); (3) a tag list (five or more comma- or bar-separated
parts of up to four words, unstopped): 900 noise words for 476 content words (a council's contact
lines, a box score, "Labels: ..." lines dragnet's gold keeps); (4) a photo credit in a kept block
("(AP Photo/...)", "Photo: ...", "file photo") on pages with a context pass: 0.8928 / 0.8893 / 0.8638
(dragnet's gold keeps 684 caption words for 399 left out). The sets disagree again on captions, as on
comments, bylines and datelines (session 15 above): scrapinghub's gold leaves them out, dragnet's
keeps them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import cleaning_data as data  # noqa: E402
from pipeline.blocks import Kind  # noqa: E402
from pipeline.clean import normalize, split_runs  # noqa: E402
from pipeline.clean.features import FEATURES, PAGE_FEATURES, page_features, page_summary  # noqa: E402
from pipeline.readers import html as html_reader  # noqa: E402
from pipeline.readers import markdown as markdown_reader  # noqa: E402
from pipeline.readers import text as text_reader  # noqa: E402

N_TREES = 200
MAX_DEPTH = 3
LEARNING_RATE = 0.1
SUBSAMPLE = 0.5
SEED = 0
# The block scorer reads the features up to "comments"; the four after them (start_lift, end_lift,
# topic_share, topic_weight) were made for the runs scorer, and the block scorer refitted with them
# drops clean technical documents the gate misjudges as noisy (session 13: held-out READMEs 0.948 ->
# 0.879, Node.js docs as Markdown 0.945 -> 0.907, with the other sections as shipped).
BLOCK_FEATURES = FEATURES[:FEATURES.index("comments") + 1]
# Recall matters more than precision: a lost sentence is lost for good, a kept menu line
# costs a little ranking noise. Content examples weigh this much more in the fit.
CONTENT_WEIGHT = 2.0
# The keep threshold: the probability at which the train split's content recall reaches
# this share (on blocks weighted by words).
TARGET_RECALL = 0.985
# The page gate: at most this share of the train split's noisy pages may pass as clean.
# At 0.04 rather than 0.02, the train split's clean documents keep 0.978 of their sentences
# instead of 0.975, with its dumps' F1 and spam pages unchanged (+0.000, -0.000, +0.001).
PAGE_MAX_NOISY_PASS = 0.04
SPAM_PAGES = 300  # seed-style pages generated for training (their train-site share is used)
# ... with keyword salad among their garbled "sentences" (cleaning_data._more_kinds), which the
# bench's pages do not have.
SPAM_MORE_KINDS = True
PAGE_TREES = 100
LABELED_SETS = ("a", "b", "c", "d")  # tests/pages/labeled sets trained on; e and the seeds are held out
LABELED_WEIGHT = 20.0  # ten pages among thousands: each of their blocks counts this much
# The runs scorer (sentences of run-together pages and the parts glue.py cuts off them).
# Three fits averaged: between single fits the train split's spam figures moved by 0.014
# (real sentences kept 0.953-0.967, noise removed 0.822-0.832); the average gave 0.960 / 0.835.
RUN_SEEDS = (0, 1, 2)
# Its keep threshold keeps this share of the content words of the train rows: at 0.985 (the
# block scorer's) the train split's spam pages kept 0.945 of their real sentences, at 0.99
# 0.960 (noise removed 0.838 -> 0.832), at 0.995 0.966 (0.819) with the seeds' noise removed
# 0.558 against 0.630 at 0.99. 0.992 since topic_weight and stopped lines: the threshold at
# which fresh train-site spam pages keep as many real sentences as the scorer before (at 0.99:
# 0.964 / 0.923, 0.970 / 0.931, 0.960 / 0.939, 0.967 / 0.937 on the four sets of the docstring).
RUN_TARGET_RECALL = 0.992
# A leaf of the runs scorer holds at least this many rows: a leaf of a few rows the earlier
# trees already fit (p near 0 or 1) gets a Newton step of millions, which decides alone
# any row that lands in it (a leaf of 5.3e6 in a fit without this floor).
RUN_MIN_LEAF = 20
# The context scorer's keep threshold keeps this share of the content words of its train rows
# (blocks of noisy pages; the first pass keeps about this share of them at its own threshold).
CONTEXT_TARGET_RECALL = 0.97
# The context scorer judges the pages the gate is sure are noisy: under the page score that
# this share of the train split's noisy page dumps stay under (0.071 with today's gate). The
# gold texts the gate misjudges as noisy score 0.093 and above on the train split: among
# them, the context scorer, which learns menus around a main text, would take what the first
# pass kept. On the train split's dumps, F1 moves by -0.003 / 0.000 / -0.005 against judging
# every noisy page. Stored in model.json (context.max_page_score): a refit of the gate
# needs a refit of the context scorer.
CONTEXT_PAGE_QUANTILE = 0.9
# The unsure scorer (model.json's context.unsure) judges the pages the gate is unsure of, from
# that page score up to the gate's threshold: fitted on every page the gate calls noisy (so the
# gold texts it misjudges as noisy, all content, are among its examples), with the page score
# as a feature (page_log_odds); the context scorer is fitted without it.
UNSURE_ONLY = ("page_log_odds",)  # the context features only the unsure scorer reads


PAGES: list[tuple[list[float], int, str, str]] = []  # (page summary, clean?, group, site) for the page gate


def _blocks_rows(blocks, group: str = "", clean: int | None = None, site: str = ""):
    blocks = split_runs(normalize(blocks))
    judged = [b for b in blocks if b.kind is not Kind.CODE]
    rows = page_features(judged)
    if clean is not None and judged:
        PAGES.append((page_summary(judged, rows), clean, group, site))
    return judged, rows


def _norm(text: str) -> str:
    return " ".join(data.words(text))


def page_examples(split: str):
    """(rows, labels, word counts, group) from dumps and HTML blocks of one split."""
    rows, labels, weights, groups = [], [], [], []
    for set_name in data.SETS:
        for page in data.pages_in(set_name, split):
            for group, blocks in (("dump", text_reader.read(data.plain_dump(page.html))),
                                  ("html", html_reader.read(page.html)[1])):
                judged, feats = _blocks_rows(blocks, f"{group}:{set_name}", 0 if group == "dump" else None, page.site)
                if not judged:
                    continue
                scores = data.align([b.text for b in judged], page.gold)
                for block, row, s in zip(judged, feats, scores):
                    rows.append(row)
                    labels.append(int(s >= data.CONTENT_THRESHOLD))
                    weights.append(len(block.text.split()))
                    groups.append(f"{group}:{set_name}")
    return rows, labels, weights, groups


def control_examples(split: str):
    rows, labels, weights, groups = [], [], [], []
    for doc in data.clean_controls():
        if doc.kind != "gold" or doc.split != split:
            continue
        blocks = markdown_reader.read(doc.text)[1] if doc.markdown else text_reader.read(doc.text)
        judged, feats = _blocks_rows(blocks, f"control:{doc.layout}", 1, doc.site)
        for block, row in zip(judged, feats):
            rows.append(row)
            labels.append(1)
            weights.append(len(block.text.split()))
            groups.append(f"control:{doc.layout}")
    return rows, labels, weights, groups


def spam_examples(split: str):
    rows, labels, weights, groups = [], [], [], []
    for page in data.spam_pages(n=SPAM_PAGES, more_kinds=SPAM_MORE_KINDS):
        if page.split != split:
            continue
        # Blocks are looked for as whole words (" 1 " is not in " 2013 "), in the real
        # sentences and in the inserted noise: a part found in both ("• The", "1.") says
        # nothing about which it came from, and teaches nothing.
        real = " " + " | ".join(_norm(s) for s in page.real_sentences) + " "
        noise = " " + " | ".join(_norm(s) for s in page.noise_items) + " "
        judged, feats = _blocks_rows(text_reader.read(page.text), "spam", 0, page.site)
        for block, row in zip(judged, feats):
            key = f" {_norm(block.text)} "
            in_real = key.strip() and key in real
            if in_real and key in noise:
                continue
            rows.append(row)
            labels.append(int(bool(in_real)))
            weights.append(len(block.text.split()))
            groups.append("spam")
    return rows, labels, weights, groups


def _label_of(key: str, content: list[str], noise: list[str]) -> int | None:
    """1 when a block holds labelled content, 0 when it is (part of) a noise item, else None."""
    if any(c and c in key for c in content):
        return 1
    if any(n and (n in key or key in n) for n in noise):
        return 0
    return None


def _labeled_pages():
    """(set name, blocks, content, noise) of each hand-labelled dump in LABELED_SETS, the
    labels normalised as _label_of compares them."""
    root = ROOT / "tests" / "pages" / "labeled"
    for name in LABELED_SETS:
        for page in sorted((root / name).iterdir()):
            if page.suffix not in (".txt", ".md"):
                continue
            labels_file = json.loads(page.with_name(page.stem + ".labels.json").read_text(encoding="utf-8"))
            raw = page.read_text(encoding="utf-8")
            blocks = markdown_reader.read(raw)[1] if page.suffix == ".md" else text_reader.read(raw)
            yield (name, blocks, [_norm(c) for c in labels_file["content"]],
                   [_norm(n) for n in labels_file["noise"]])


def labeled_examples():
    """Blocks and pages of the hand-labelled dumps in LABELED_SETS."""
    rows, labels, weights, groups, pages = [], [], [], [], []
    for name, blocks, content, noise in _labeled_pages():
        judged, feats = _blocks_rows(blocks)
        pages.append((page_summary(judged, feats), 0, f"labeled:{name}", f"labeled:{name}"))
        for block, row in zip(judged, feats):
            label = _label_of(_norm(block.text), content, noise)
            if label is not None:
                rows.append(row)
                labels.append(label)
                weights.append(len(block.text.split()))
                groups.append(f"labeled:{name}")
    return (rows, labels, weights, groups), pages


def doc_pages(split: str):
    """Page-gate rows of the technical documents of one split (cleaning_data.tech_docs: installed
    Markdown documentation, "train" under /usr/lib/node_modules, "test" under /usr/share/doc), each
    in three layouts (the Markdown file, its text one paragraph a line, hard-wrapped): clean pages
    of another kind than the gold texts (READMEs and manuals: code spans, option lists, short
    headings). The gate is not fitted on them (see the docstring): they are reported, as clean
    documents it never saw. On a machine without them, training says so and goes on."""
    docs = [d for d in data.tech_docs() if d.split == split]
    if not docs:
        print(f"page gate: no technical documents for the {split} split under "
              f"{', '.join(root for root, _ in data.DOC_ROOTS)} (cleaning_data.tech_docs): not reported",
              file=sys.stderr)
    pages = []
    for doc in docs:
        for layout, text in doc.layouts():
            blocks = markdown_reader.read(text)[1] if layout == "markdown" else text_reader.read(text)
            judged = [b for b in split_runs(normalize(blocks)) if b.kind is not Kind.CODE]
            if judged:
                pages.append((page_summary(judged, page_features(judged)), 1, f"docs:{split}:{layout}", doc.origin))
    return pages


def collect(split: str):
    """(rows, labels, words, groups) of blocks, and (summaries, labels, groups) of pages."""
    PAGES.clear()
    parts = [page_examples(split), control_examples(split), spam_examples(split)]
    pages = list(PAGES)
    return tuple(sum((list(p[i]) for p in parts), []) for i in range(4)), pages


def fit_trees(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, n_trees: int):
    from sklearn.ensemble import GradientBoostingClassifier

    model = GradientBoostingClassifier(n_estimators=n_trees, max_depth=MAX_DEPTH, learning_rate=LEARNING_RATE,
                                       subsample=SUBSAMPLE, random_state=SEED)
    return model.fit(x, y, sample_weight=sample_weight)


def fit_page_gate(pages):
    """Is this page already clean text? Threshold: PAGE_MAX_NOISY_PASS of the noisy pages pass."""
    x = np.asarray([p[0] for p in pages])
    y = np.asarray([p[1] for p in pages])
    balance = np.where(y == 1, (y == 0).sum() / max(1, (y == 1).sum()), 1.0)
    balance *= np.where([p[2].startswith("labeled:") for p in pages], LABELED_WEIGHT, 1.0)
    model = fit_trees(x, y, balance, PAGE_TREES)
    p = model.predict_proba(x)[:, 1]
    noisy = np.sort(p[y == 0])
    threshold = float(noisy[min(len(noisy) - 1, int(np.ceil((1 - PAGE_MAX_NOISY_PASS) * len(noisy))))])
    return model, threshold


def report_pages(name: str, gate, threshold: float, pages) -> None:
    print(f"\n{name}: pages judged clean (gate threshold {threshold:.3f})")
    by_group: dict[str, list[int]] = {}
    passed = gate.predict_proba(np.asarray([p[0] for p in pages]))[:, 1] >= threshold
    for (summary, clean, group, *_), ok in zip(pages, passed):
        by_group.setdefault(f"{group} ({'clean' if clean else 'noisy'})", []).append(int(ok))
    for group, flags in sorted(by_group.items()):
        print(f"  {group:<30} pages {len(flags):>5}  judged clean {sum(flags) / len(flags):.3f}")


def fold_of(site: str, folds: int) -> int:
    """The fold of a site (sha256, so never Python's hash seed): all of a site's pages in one fold."""
    return int.from_bytes(hashlib.sha256(site.encode("utf-8")).digest()[:8], "big") % folds


def report_pages_out_of_fold(pages, folds: int) -> None:
    """The page gate out of fold on the train sites: fitted and thresholded on all folds of sites
    but one, judged on that one. The fitted gate's own train-site figures are in-sample (its
    clean pages are the gold texts it was fitted on); these are what a change is measured by."""
    passed = np.zeros(len(pages), dtype=bool)
    fold = np.asarray([fold_of(p[3], folds) for p in pages])
    for k in range(folds):
        held = fold == k
        if not held.any() or held.all():
            continue
        gate, threshold = fit_page_gate([p for p, h in zip(pages, held) if not h])
        p = gate.predict_proba(np.asarray([pg[0] for pg, h in zip(pages, held) if h]))[:, 1]
        passed[held] = p >= threshold
    print(f"\ntrain sites, out of fold ({folds} folds of sites): pages judged clean")
    by_group: dict[str, list[int]] = {}
    for (summary, clean, group, *_), ok in zip(pages, passed):
        by_group.setdefault(f"{group} ({'clean' if clean else 'noisy'})", []).append(int(ok))
    for group, flags in sorted(by_group.items()):
        print(f"  {group:<30} pages {len(flags):>5}  judged clean {sum(flags) / len(flags):.3f}")


def export(model, threshold: float, names) -> dict:
    """A fitted GradientBoostingClassifier as plain arrays."""
    trees = []
    for estimator in model.estimators_[:, 0]:
        t = estimator.tree_
        trees.append({
            "feature": [int(f) if l >= 0 else -1 for f, l in zip(t.feature, t.children_left)],
            "threshold": [float(x) for x in t.threshold],  # exact: a rounded split moves rows across it
            "left": [int(x) for x in t.children_left], "right": [int(x) for x in t.children_right],
            "value": [round(float(v), 6) for v in t.value[:, 0, 0]],
        })
    share = float(model.init_.class_prior_[1])  # the fit starts from the weighted share of content
    prior = float(np.log(share / (1 - share)))
    return {"features": list(names), "max_depth": MAX_DEPTH, "learning_rate": LEARNING_RATE,
            "prior": prior, "threshold": round(threshold, 4), "trees": trees}


def _check_export(exported: dict, model, x: np.ndarray, names) -> None:
    """The exported numbers must score exactly as the fitted model does."""
    from pipeline.clean.model import trees_from_dict

    ours = trees_from_dict(exported, tuple(names)).probabilities(x[:2000].tolist())
    theirs = model.predict_proba(x[:2000])[:, 1]
    if not np.allclose(ours, theirs, atol=1e-4):
        raise SystemExit(f"export differs from the fitted model: max {np.abs(ours - theirs).max():.2g}")


def _threshold(p: np.ndarray, y: np.ndarray, w: np.ndarray, target: float = TARGET_RECALL) -> float:
    """The highest threshold that keeps `target` of the content words."""
    order = np.argsort(p[y == 1])
    content_p, content_w = p[y == 1][order], w[y == 1][order]
    lost = np.cumsum(content_w) / content_w.sum()
    allowed = np.searchsorted(lost, 1 - target)
    return float(content_p[min(allowed, len(content_p) - 1)])


def report(name: str, p, y, w, groups, threshold: float) -> None:
    print(f"\n{name}: blocks by group, word-weighted content recall / noise removal at {threshold:.3f}")
    groups = np.asarray(groups)
    for g in sorted(set(groups)):
        m = groups == g
        keep = p[m] >= threshold
        yy, ww = y[m], w[m]
        rec = (ww * keep * yy).sum() / max(1, (ww * yy).sum())
        rem = (ww * ~keep * (1 - yy)).sum() / max(1, (ww * (1 - yy)).sum())
        print(f"  {g:<22} blocks {m.sum():>7}  content {int(yy.sum()):>6}  recall {rec:.3f}  noise removed {rem:.3f}")


def _examples(cache: Path | None):
    """Train and test examples, from the cache file when it was made by the same feature code."""
    # The feature code, the word statistics it reads (lexicon.json) and the version of the
    # labelling key the cache.
    code = hashlib.sha256(EXAMPLES_VERSION.encode() + b"".join(p.read_bytes() for p in sorted((ROOT / "pipeline").rglob("*.py"))
                                   if p.name != "train.py")
                          + (ROOT / "pipeline" / "clean" / "lexicon.json").read_bytes()).hexdigest()
    if cache and cache.exists():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored["code"] == code:
            return stored["parts"]
    parts = [*collect("train"), *collect("test")]
    if cache:
        cache.write_text(json.dumps({"code": code, "parts": parts}), encoding="utf-8")
    return parts


def fit_runs(x: np.ndarray, y: np.ndarray, w: np.ndarray, g: np.ndarray) -> dict:
    """The scorer of a run's sentences and glued-on parts: fitted on those rows only, RUN_SEEDS
    fits averaged (their mean log-odds: the trees of all, each fit's rate divided by their
    number), kept at the threshold that keeps RUN_TARGET_RECALL of the train rows' content words."""
    in_run = x[:, FEATURES.index("kind_sentence")] == 1
    x, y, w, g = x[in_run], y[in_run], w[in_run], g[in_run]
    sample_weight = (np.log1p(w) * np.where(y == 1, CONTENT_WEIGHT, 1.0)
                     * np.where(np.char.startswith(g, "labeled:"), LABELED_WEIGHT, 1.0))
    fits = []
    for seed in RUN_SEEDS:
        from sklearn.ensemble import GradientBoostingClassifier

        fits.append(GradientBoostingClassifier(n_estimators=N_TREES, max_depth=MAX_DEPTH, learning_rate=LEARNING_RATE,
                                               subsample=SUBSAMPLE, min_samples_leaf=RUN_MIN_LEAF,
                                               random_state=seed).fit(x, y, sample_weight=sample_weight))
    parts = [export(fit, 0.5, FEATURES) for fit in fits]
    if len({part["prior"] for part in parts}) != 1:
        raise SystemExit("the run fits start from different priors")
    exported = dict(parts[0], trees=[tree for part in parts for tree in part["trees"]],
                    learning_rate=LEARNING_RATE / len(fits))
    from pipeline.clean.model import trees_from_dict

    ours = trees_from_dict(exported, FEATURES).log_odds(x[:2000].tolist())
    theirs = np.mean([fit.decision_function(x[:2000]) for fit in fits], axis=0)
    if not np.allclose(ours, theirs, atol=1e-4):
        raise SystemExit(f"run export differs from the fitted models: max {np.abs(ours - theirs).max():.2g}")
    p = trees_from_dict(exported, FEATURES).probabilities(x.tolist())
    exported["threshold"] = round(_threshold(p, y, w, RUN_TARGET_RECALL), 4)
    return exported


def report_runs(name: str, runs: dict, x, y, w, g) -> None:
    from pipeline.clean.model import trees_from_dict

    x, y, w, g = np.asarray(x), np.asarray(y), np.asarray(w, dtype=float), np.asarray(g)
    in_run = x[:, FEATURES.index("kind_sentence")] == 1
    p = trees_from_dict(runs, FEATURES).probabilities(x[in_run].tolist())
    report(f"{name}, sentences of runs only (the runs scorer)", p, y[in_run], w[in_run], g[in_run], runs["threshold"])


def context_examples(model, split: str, max_page_score: float | None = None):
    """(rows, labels, word counts, groups) for the context scorer, and the page score under
    which it judges: every block but the sentences of runs on the pages the page gate is sure
    are noisy (a score under max_page_score; when None, under the CONTEXT_PAGE_QUANTILE of this
    split's noisy page dumps), each row its features, then what the first pass (`model`'s block
    and runs scorers) said of it and around it. From the split's page dumps (labelled by
    alignment), the gold texts in three layouts that the gate is as sure are noisy (all content;
    none on today's train split) and, for the train split, the hand-labelled dumps."""
    from pipeline.clean import MIN_BLOCKS_TO_JUDGE, _HAS_WORD_RE
    from pipeline.clean.features import context_features

    pages = []  # (page score, blocks, rows, labels, group)

    def add(blocks, group: str, label_of) -> None:
        judged, feats = _blocks_rows(blocks)
        if len(judged) >= MIN_BLOCKS_TO_JUDGE:
            score = float(model.page.probabilities([page_summary(judged, feats)])[0])
            pages.append((score, judged, feats, label_of(judged), group))

    for set_name in data.SETS:
        for page in data.pages_in(set_name, split):
            add(text_reader.read(data.plain_dump(page.html)), f"dump:{set_name}",
                lambda judged, gold=page.gold: [int(s >= data.CONTENT_THRESHOLD) for s in data.align([b.text for b in judged], gold)])
    for doc in data.clean_controls():
        if doc.kind == "gold" and doc.split == split:
            blocks = markdown_reader.read(doc.text)[1] if doc.markdown else text_reader.read(doc.text)
            add(blocks, f"control:{doc.layout}", lambda judged: [1] * len(judged))
    if split == "train":
        for name, blocks, content, noise in _labeled_pages():
            add(blocks, f"labeled:{name}", lambda judged: [_label_of(_norm(b.text), content, noise) for b in judged])
    if max_page_score is None:
        noisy = [score for score, *_, group in pages if group.startswith("dump:") and score < model.page.threshold_keep]
        max_page_score = round(float(np.quantile(noisy, CONTEXT_PAGE_QUANTILE)), 4)
    out: tuple[list, list, list, list] = ([], [], [], [])
    for score, judged, feats, labels, group in pages:
        if score >= max_page_score:
            continue
        first = model.content_probabilities(feats, [b.kind is Kind.SENTENCE for b in judged])
        for block, row, ctx, label in zip(judged, feats, context_features(feats, [float(p) for p in first], score),
                                          labels):
            if block.kind is Kind.SENTENCE or label is None or not _HAS_WORD_RE.search(block.text):
                continue
            for part, value in zip(out, (row + ctx, label, len(block.text.split()), group)):
                part.append(value)
    return out, max_page_score


def fit_context(model, start: float) -> dict:
    """The context scorer (pages under the CONTEXT_PAGE_QUANTILE) and, as its "unsure" part, the
    unsure scorer (every page the gate calls noisy, reading the page score too)."""
    exported = fit_context_scorer(model, start, None)
    return dict(exported, unsure=fit_context_scorer(model, start, model.page.threshold_keep))


def fit_context_scorer(model, start: float, max_page_score: float | None) -> dict:
    """A context scorer, fitted on the train split's context_examples under max_page_score (None:
    the CONTEXT_PAGE_QUANTILE, without the UNSURE_ONLY features), kept at the threshold that
    keeps CONTEXT_TARGET_RECALL of their content words; the held-out figures printed first."""
    from pipeline.clean.model import CONTEXT_NAMES

    names = CONTEXT_NAMES if max_page_score is not None else tuple(n for n in CONTEXT_NAMES if n not in UNSURE_ONLY)
    columns = [CONTEXT_NAMES.index(n) for n in names]
    train, max_page_score = context_examples(model, "train", max_page_score)
    x, y, w, g = (np.asarray(part) for part in train)
    xt, yt, wt, gt = (np.asarray(part) for part in context_examples(model, "test", max_page_score)[0])
    x, xt = x[:, columns], xt[:, columns]
    w, wt = w.astype(float), wt.astype(float)
    print(f"context: pages scored under {max_page_score} by the gate; train {len(y)} blocks ({int(y.sum())} content), "
          f"test {len(yt)}; {time.time() - start:.0f} s",
          file=sys.stderr)
    sample_weight = (np.log1p(w) * np.where(y == 1, CONTENT_WEIGHT, 1.0)
                     * np.where(np.char.startswith(g, "labeled:"), LABELED_WEIGHT, 1.0))
    fit = fit_trees(x, y, sample_weight, N_TREES)
    p_train = fit.predict_proba(x)[:, 1]
    threshold = _threshold(p_train, y, w, CONTEXT_TARGET_RECALL)
    first_column = names.index("first_log_odds")
    first_bar = float(np.log(model.blocks.threshold_keep / (1 - model.blocks.threshold_keep)))
    report("HELD-OUT (test sites), first pass", (xt[:, first_column] >= first_bar).astype(float), yt, wt, gt, 0.5)
    report("HELD-OUT (test sites), context scorer", fit.predict_proba(xt)[:, 1], yt, wt, gt, threshold)
    report("train sites, first pass", (x[:, first_column] >= first_bar).astype(float), y, w, g, 0.5)
    report("train sites, context scorer", p_train, y, w, g, threshold)
    exported = dict(export(fit, threshold, names), max_page_score=max_page_score)
    _check_export(exported, fit, xt, names)
    return exported


PARTS = ("page", "blocks", "runs", "context")
# Raise when what collect() gathers or how it labels changes (train.py is not in the cache key).
# 2: a spam page's parts are labelled by whole words; parts found in real and noise text skipped.
# 3: each page of the page gate carries its site (for --folds).
# 4: the spam pages carry keyword salad too (SPAM_MORE_KINDS).
EXAMPLES_VERSION = "5"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("model.json"))
    parser.add_argument("--cache", type=Path, help="keep the collected examples in this file (a JSON file, "
                        "reused while the feature code is unchanged): refits skip the minutes of reading")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="refit only this scorer (repeat for more); the others are kept as they are in --out. "
                        "page: the page gate; blocks: the block scorer; runs: the scorer of runs' sentences")
    parser.add_argument("--runs-only", action="store_true", help="the same as --only runs")
    parser.add_argument("--folds", type=int, default=0, help="with the page gate: also print its figures out of fold "
                        "on the train sites (sites held out FOLDS ways; its train-site figures are in-sample)")
    args = parser.parse_args(argv)
    only = set(args.only or ()) | ({"runs"} if args.runs_only else set()) or set(PARTS)
    start = time.time()
    if only - {"context"}:
        (x, y, w, g), pages, (xt, yt, wt, gt), test_pages = _examples(args.cache)
        (lx, ly, lw, lg), labeled_pages = labeled_examples()
        x, y, w, g, pages = x + lx, y + ly, w + lw, g + lg, pages + labeled_pages
        print(f"train: {len(y)} blocks ({sum(y)} content); test: {len(yt)} blocks; {time.time() - start:.0f} s",
              file=sys.stderr)
    # A partial refit replaces its parts in place (the file's order and other parts unchanged).
    exported = (json.loads(args.out.read_text(encoding="utf-8")) if only != set(PARTS)
                else {"page": None, "blocks": None, "meta": None, "runs": None, "context": None})
    if "page" in only:
        gate, gate_threshold = fit_page_gate(pages)
        report_pages("HELD-OUT (test sites)", gate, gate_threshold, test_pages)
        report_pages("train sites", gate, gate_threshold, pages)
        report_pages("technical documents (never fitted on)", gate, gate_threshold, doc_pages("train") + doc_pages("test"))
        if args.folds > 1:
            report_pages_out_of_fold(pages, args.folds)
        exported["page"] = export(gate, gate_threshold, PAGE_FEATURES)
        _check_export(exported["page"], gate, np.asarray([p[0] for p in test_pages]), PAGE_FEATURES)
    if "blocks" in only:
        columns = [FEATURES.index(name) for name in BLOCK_FEATURES]
        xa, ya, wa = np.asarray(x)[:, columns], np.asarray(y), np.asarray(w, dtype=float)
        sample_weight = (np.log1p(wa) * np.where(ya == 1, CONTENT_WEIGHT, 1.0)
                         * np.where(np.char.startswith(np.asarray(g), "labeled:"), LABELED_WEIGHT, 1.0))
        model = fit_trees(xa, ya, sample_weight, N_TREES)
        p_train = model.predict_proba(xa)[:, 1]
        threshold = _threshold(p_train, ya, wa)
        xta, yta, wta = np.asarray(xt)[:, columns], np.asarray(yt), np.asarray(wt, dtype=float)
        report("HELD-OUT (test sites)", model.predict_proba(xta)[:, 1], yta, wta, gt, threshold)
        report("train sites", p_train, ya, wa, g, threshold)
        exported["blocks"] = export(model, threshold, BLOCK_FEATURES)
        _check_export(exported["blocks"], model, xta, BLOCK_FEATURES)
        exported["meta"] = {"trained_by": "python -m pipeline.clean.train", "train_blocks": int(len(y)),
                            "target_recall": TARGET_RECALL, "content_weight": CONTENT_WEIGHT}
    if "runs" in only:
        runs = fit_runs(np.asarray(x), np.asarray(y), np.asarray(w, dtype=float), np.asarray(g))
        report_runs("HELD-OUT (test sites)", runs, xt, yt, wt, gt)
        report_runs("train sites", runs, x, y, w, g)
        exported["runs"] = runs
    exported["meta"]["runs"] = {"seeds": len(RUN_SEEDS), "target_recall": RUN_TARGET_RECALL}
    if "context" in only:  # last: it reads what the page gate and the first pass, as now written, say
        from pipeline.clean.model import from_dict

        exported["context"] = fit_context(from_dict(dict(exported, context=None)), start)
        exported["meta"]["context"] = {"target_recall": CONTEXT_TARGET_RECALL}
    args.out.write_text(json.dumps(exported, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {', '.join(p for p in PARTS if p in only)} into {args.out} ({args.out.stat().st_size // 1024} KB) "
          f"in {time.time() - start:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

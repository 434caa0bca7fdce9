/* Optional C versions of the loops of a file scan that touch every byte or every digit run.
 *
 * mamori/discovery/engine/native.py holds the pure-Python versions, which give the same results
 * (tests/discovery/engine/test_engine_native.py checks that they do); this module is only faster.
 * It is built when the package is installed with a C compiler at hand, and skipped otherwise.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static void clamp(Py_ssize_t len, Py_ssize_t *start, Py_ssize_t *stop) {
    if (*start < 0) *start = 0;
    if (*stop > len) *stop = len;
    if (*stop < *start) *stop = *start;
}

/* count_lines(data, start, stop) -> number of b"\n" in data[start:stop] */
static PyObject *count_lines(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t start, stop, count = 0;
    if (!PyArg_ParseTuple(args, "y*nn", &view, &start, &stop)) return NULL;
    clamp(view.len, &start, &stop);
    const char *p = (const char *)view.buf + start;
    const char *end = (const char *)view.buf + stop;
    Py_BEGIN_ALLOW_THREADS
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        count++;
        p++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(count);
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int luhn_ok(const unsigned char *run, Py_ssize_t size) {
    int total = 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        int d = run[size - 1 - i] - '0';
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        total += d;
    }
    return total % 10 == 0;
}

/* card_run_candidates(data, ends, lengths) -> the ends whose digit run may be a card number.
 *
 * ``lengths`` is 100 bytes: for each two-digit start 00..99 a bit mask of the card lengths it allows
 * (bit n - 13 for n digits). A run ending at an end is kept when it is not 13-19 digits long (not the
 * shape the prefilter describes: the exact detector decides), or when its start allows its length,
 * it passes the Luhn check and it does not follow "<digit>." (a decimal fraction). */
static PyObject *card_run_candidates(PyObject *self, PyObject *args) {
    Py_buffer view, table;
    PyObject *ends;
    if (!PyArg_ParseTuple(args, "y*Oy*", &view, &ends, &table)) return NULL;
    PyObject *result = NULL;
    PyObject *seq = PySequence_Fast(ends, "ends must be a sequence");
    if (seq == NULL || table.len != 100) {
        if (seq != NULL) PyErr_SetString(PyExc_ValueError, "lengths must be 100 bytes");
        goto done;
    }
    result = PyList_New(0);
    if (result == NULL) goto done;
    const unsigned char *data = (const unsigned char *)view.buf;
    const unsigned char *masks = (const unsigned char *)table.buf;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t end = PyLong_AsSsize_t(items[k]);
        if (end == -1 && PyErr_Occurred()) {
            Py_CLEAR(result);
            goto done;
        }
        if (end < 0 || end > view.len) continue;
        Py_ssize_t lowest = end > 20 ? end - 20 : 0;
        Py_ssize_t start = end;
        while (start > lowest && is_digit(data[start - 1])) start--;
        Py_ssize_t size = end - start;
        int keep;
        if (size < 13 || size > 19) {
            keep = 1;
        } else {
            int head = (data[start] - '0') * 10 + (data[start + 1] - '0');
            keep = (masks[head] >> (size - 13)) & 1;
            keep = keep && luhn_ok(data + start, size);
            keep = keep && !(start >= 2 && data[start - 1] == '.' && is_digit(data[start - 2]));
        }
        if (keep && PyList_Append(result, items[k]) < 0) {
            Py_CLEAR(result);
            goto done;
        }
    }
done:
    Py_XDECREF(seq);
    PyBuffer_Release(&view);
    PyBuffer_Release(&table);
    return result;
}

/* plain_text(data) -> whether every byte is printable ASCII or a tab, line feed, form feed or carriage return:
 * text whose encoding is plain ASCII beyond doubt (no NUL, escape or other control byte).
 * Blocks without an early exit inside, so that the compiler turns the loop into vector instructions. */
static PyObject *plain_text(PyObject *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *p = (const unsigned char *)view.buf;
    Py_ssize_t left = view.len;
    unsigned char bad = 0;
    Py_BEGIN_ALLOW_THREADS
    while (left > 0 && !bad) {
        Py_ssize_t block = left < 4096 ? left : 4096;
        for (Py_ssize_t i = 0; i < block; i++) {
            unsigned char c = p[i];
            bad |= (unsigned char)((c >= 0x7f) | ((c < 0x20) & (c != '\t') & (c != '\n') & (c != '\f') & (c != '\r')));
        }
        p += block;
        left -= block;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyBool_FromLong(!bad);
}

static PyMethodDef methods[] = {
    {"count_lines", count_lines, METH_VARARGS, "Number of line feeds in data[start:stop]."},
    {"card_run_candidates", card_run_candidates, METH_VARARGS,
     "The ends whose digit run may be a card number (length by start, Luhn, not a fraction)."},
    {"plain_text", plain_text, METH_O, "Whether every byte is printable ASCII, tab, line feed, form feed or CR."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, methods};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }

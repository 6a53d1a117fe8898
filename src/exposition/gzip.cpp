// SPDX-License-Identifier: MIT
#include <promqt/exposition.h>

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <new>

namespace promqt {

namespace {

// zlib's counters are uInt (32 bits): buffers beyond 4 GiB are handed over in slices.
constexpr qsizetype kMaxSlice = std::numeric_limits<uInt>::max();

struct DeflateStream {
    z_stream stream{};
    bool initialised = false;
    ~DeflateStream() {
        if (initialised)
            deflateEnd(&stream);
    }
};

} // namespace

QByteArray gzipCompress(QByteArrayView data, int level) {
    // 0 stores, 1…9 trade speed for size; anything else (e.g. -1, zlib's "default") is clamped
    // into that range rather than failing a scrape.
    level = std::clamp(level, 0, 9);
    DeflateStream deflater;
    z_stream& stream = deflater.stream;
    // windowBits 15 + 16 selects the gzip wrapper (RFC 1952) that HTTP's "gzip" coding means,
    // instead of zlib's own header; memLevel 8 is zlib's default.
    if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::bad_alloc(); // the only way deflateInit2 fails with valid arguments
    deflater.initialised = true;

    // deflateBound is a true upper bound, so in practice one buffer and one deflate() call do.
    QByteArray out;
    out.resize(static_cast<qsizetype>(deflateBound(&stream, static_cast<uLong>(data.size()))));
    const auto* input = reinterpret_cast<const Bytef*>(data.data());
    qsizetype unread = data.size();
    qsizetype written = 0;
    for (;;) {
        if (stream.avail_in == 0 && unread > 0) {
            const qsizetype slice = std::min(unread, kMaxSlice);
            stream.next_in = const_cast<Bytef*>(input); // zlib never writes through next_in
            stream.avail_in = static_cast<uInt>(slice);
            input += slice;
            unread -= slice;
        }
        if (written == out.size())
            out.resize(out.size() + out.size() / 2 + 64);
        const qsizetype room = std::min(out.size() - written, kMaxSlice);
        stream.next_out = reinterpret_cast<Bytef*>(out.data() + written);
        stream.avail_out = static_cast<uInt>(room);
        const int result = deflate(&stream, unread == 0 ? Z_FINISH : Z_NO_FLUSH);
        written += room - static_cast<qsizetype>(stream.avail_out);
        if (result == Z_STREAM_END)
            break;
        if (result != Z_OK && result != Z_BUF_ERROR) // Z_BUF_ERROR: needs more room, loop grows it
            return {};
    }
    out.resize(written);
    return out;
}

} // namespace promqt

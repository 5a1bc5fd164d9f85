package dev.cove.runtime.egress.dns;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * DNS messages as the resolver ({@link Dns}) builds and reads them. They are parsed and built with dnsjava; the only
 * hand-written wire handling is the ID rewrite (in {@link Dns}) and, here, finding the end of a query's question and
 * comparing an answer's question with it byte by byte.
 */
final class DnsMessages {
    /** Longer queries are not real ones (a question is at most 260 bytes; EDNS options add little). */
    static final int MAX_QUERY = 4096;

    private DnsMessages() {}

    /** An answer made here: the query's ID, opcode and RD, RA set, the question echoed when there is exactly one. */
    static byte[] answer(Message query, int rcode) {
        Header q = query.getHeader();
        Message m = new Message(q.getID());
        Header h = m.getHeader();
        h.setFlag(Flags.QR);
        h.setFlag(Flags.RA);
        if (q.getFlag(Flags.RD)) h.setFlag(Flags.RD);
        h.setOpcode(q.getOpcode());
        h.setRcode(rcode);
        if (q.getCount(Section.QUESTION) == 1) m.addRecord(query.getQuestion(), Section.QUESTION);
        return m.toWire();
    }

    /** FORMERR for a query that does not parse: its header's ID, opcode and RD, no question. */
    static byte[] formerr(byte[] wire) {
        try {
            Header q = new Header(Arrays.copyOf(wire, Header.LENGTH));
            Message m = new Message(q.getID());
            Header h = m.getHeader();
            h.setFlag(Flags.QR);
            h.setFlag(Flags.RA);
            if (q.getFlag(Flags.RD)) h.setFlag(Flags.RD);
            h.setOpcode(q.getOpcode());
            h.setRcode(Rcode.FORMERR);
            return m.toWire();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The offset just after the first question of a message; -1 when its name is compressed or cut short. */
    static int questionEnd(byte[] msg) {
        int i = Header.LENGTH;
        while (i < msg.length) {
            int len = msg[i] & 0xFF;
            if (len == 0) return i + 5 <= msg.length ? i + 5 : -1;
            if ((len & 0xC0) != 0) return -1;
            i += 1 + len;
        }
        return -1;
    }

    /** True when {@code answer} has one question, the same as {@code query}'s up to {@code end} (name case aside). */
    static boolean sameQuestion(ByteBuffer answer, byte[] query, int end) {
        if (answer.remaining() < end || (answer.getShort(4) & 0xFFFF) != 1) return false;
        for (int i = Header.LENGTH; i < end; i++) {
            int a = answer.get(i) & 0xFF, q = query[i] & 0xFF;
            if (i < end - 4) { // the name: ASCII case-insensitive (label lengths are < 64, never letters)
                if (a >= 'A' && a <= 'Z') a += 32;
                if (q >= 'A' && q <= 'Z') q += 32;
            }
            if (a != q) return false;
        }
        return true;
    }

    /** The RCODE of a message's header; -1 when it is too short to have one. */
    static int rcode(byte[] msg) { return msg.length < 4 ? -1 : msg[3] & 0x0F; }

    /** A recursive query for {@code name} of {@code type}, class IN, with a random ID. */
    static byte[] query(String name, int type) throws TextParseException {
        return Message.newQuery(Record.newRecord(absolute(name), type, DClass.IN)).toWire();
    }

    /** The addresses of {@code type} (A or AAAA) in the answer section of {@code msg}; empty on errors. */
    static List<InetAddress> addresses(byte[] msg, int type) {
        List<InetAddress> out = new ArrayList<>();
        try {
            Message m = new Message(msg);
            if (m.getRcode() != Rcode.NOERROR) return out;
            for (Record r : m.getSection(Section.ANSWER)) {
                if (r.getType() != type) continue;
                if (r instanceof ARecord a) out.add(a.getAddress());
                else if (r instanceof AAAARecord a) out.add(a.getAddress());
            }
        } catch (IOException | RuntimeException e) {
            // malformed: nothing
        }
        return out;
    }

    static Name absolute(String name) throws TextParseException { return Name.fromString(name, Name.root); }

    /** {@link #absolute}, or null when {@code name} is not a valid domain name. */
    static Name absoluteOrNull(String name) {
        try {
            return absolute(name);
        } catch (TextParseException e) {
            return null;
        }
    }
}

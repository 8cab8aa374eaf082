"""mkelf.py - a tiny, deterministic ELF64 x86-64 writer for the golden tests.

It writes the same small object every time (no compiler, no timestamps), so
that goldens of whereis / the picture do not depend on the local toolchain.
Every address below is a link-time address relative to `base` (0 for a PIE
or shared object, 0x400000 for a classic ET_EXEC); `gap` moves the writable
segment up, the way a large p_align leaves a hole that ld.so fills with a
PROT_NONE ("---p") mapping.

File and memory layout (offsets; vaddr = base + offset, + gap for RW):

  0x0000  ELF header + program headers     PT_LOAD #1  r--  (filesz = headers)
  0x1000  .text     0x40 bytes             PT_LOAD #2  r-x
            +0x00 {p}main     FUNC GLOBAL size 5: 55 48 89 e5 c3
                              (push %rbp; mov %rsp,%rbp; ret)
            +0x10 {p}helper   FUNC LOCAL  size 16: 31 c0 c3 (xor; ret)
            +0x20 {p}_start   FUNC GLOBAL size 16: f3 0f 1e fa 31 ed
                              (endbr64; xor %ebp,%ebp) = e_entry
            +0x30..0x40 no symbol, int3 (cc) padding
  0x2000  .rodata   0x40 bytes             PT_LOAD #3  r--
            +0x00 {p}greeting OBJECT GLOBAL size 16 "hello, world\\n"
            +0x20 {p}rodata_tail  NOTYPE LOCAL size 0 (reaches to the end
                              of .rodata: whereis gives label+offset)
  0x3000  .data.rel.ro 0x20 bytes          PT_LOAD #4  rw-  (PT_GNU_RELRO
            +0x00 {p}ops  OBJECT GLOBAL size 0x20   covers 0x3000-0x4000:
  0x3020  .got      0x20 bytes, no symbol          ld.so makes it r--)
  0x4000  .data     0x40 bytes
            +0x00 {p}counter OBJECT GLOBAL size 8 (= 42)
            +0x10 {p}config  OBJECT LOCAL  size 0x20
  0x4040  .bss      NOBITS 0x2000 bytes (memory only; ends at 0x6040, so
            the anonymous .bss mapping is page 0x5000-0x7000)
            +0x0000 (0x4040) {p}flag   OBJECT LOCAL  size 4 (in the last
                              file page: maps shows it as the file's rw-p)
            +0x0fc0 (0x5000) {p}buffer OBJECT GLOBAL size 0x1000
  0x4040  .symtab, .strtab, .shstrtab, then the section header table
          (not allocated; they only make the file longer than 0x5000)

Program headers: PT_PHDR, the four PT_LOADs, PT_GNU_RELRO, PT_GNU_STACK
(7 entries; AT_PHNUM in the tests says 7).

Usage: build(etype, base, gap=0, prefix="") -> bytes; write(path, ...).
"""

import struct

ET_EXEC = 2
ET_DYN = 3

PT_LOAD = 1
PT_PHDR = 6
PT_GNU_STACK = 0x6474E551
PT_GNU_RELRO = 0x6474E552
PF_X, PF_W, PF_R = 1, 2, 4

SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS = 1, 2, 3, 8
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4

STB_LOCAL, STB_GLOBAL = 0, 1
STT_NOTYPE, STT_OBJECT, STT_FUNC = 0, 1, 2

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")   # Elf64_Ehdr, 64 bytes
PHDR = struct.Struct("<IIQQQQQQ")           # Elf64_Phdr, 56 bytes
SHDR = struct.Struct("<IIQQQQIIQQ")         # Elf64_Shdr, 64 bytes
SYM = struct.Struct("<IBBHQQ")              # Elf64_Sym, 24 bytes

PAGE = 0x1000
NPHDR = 7

# Section offsets (= link-time address - base, before gap) and sizes.
TEXT, TEXT_SIZE = 0x1000, 0x40
RODATA, RODATA_SIZE = 0x2000, 0x40
RELRO, RELRO_SIZE = 0x3000, 0x20        # .data.rel.ro
GOT, GOT_SIZE = 0x3020, 0x20
DATA, DATA_SIZE = 0x4000, 0x40
BSS, BSS_SIZE = 0x4040, 0x2000          # ends at 0x6040

# Machine code placed in .text (offsets inside .text).
CODE = {
    0x00: bytes.fromhex("554889e5c3"),      # main: push/mov/ret
    0x10: bytes.fromhex("31c0c3"),          # helper: xor %eax,%eax; ret
    0x20: bytes.fromhex("f30f1efa31ed"),    # _start: endbr64; xor %ebp,%ebp
}
START_OFFSET = 0x20                         # e_entry = base + TEXT + 0x20

# Section header indexes (fixed order, see _sections()).
SEC_TEXT, SEC_RODATA, SEC_RELRO, SEC_GOT, SEC_DATA, SEC_BSS = 1, 2, 3, 4, 5, 6


def symbols(prefix=""):
    """(name, section index, offset from file start (before gap), size,
    bind, type) in .symtab order: locals first, as ELF requires."""
    p = prefix
    return [
        (p + "helper", SEC_TEXT, TEXT + 0x10, 0x10, STB_LOCAL, STT_FUNC),
        (p + "rodata_tail", SEC_RODATA, RODATA + 0x20, 0, STB_LOCAL,
         STT_NOTYPE),
        (p + "config", SEC_DATA, DATA + 0x10, 0x20, STB_LOCAL, STT_OBJECT),
        (p + "flag", SEC_BSS, BSS, 4, STB_LOCAL, STT_OBJECT),
        (p + "main", SEC_TEXT, TEXT, 5, STB_GLOBAL, STT_FUNC),
        (p + "_start", SEC_TEXT, TEXT + START_OFFSET, 0x10, STB_GLOBAL,
         STT_FUNC),
        (p + "greeting", SEC_RODATA, RODATA, 0x10, STB_GLOBAL, STT_OBJECT),
        (p + "ops", SEC_RELRO, RELRO, 0x20, STB_GLOBAL, STT_OBJECT),
        (p + "counter", SEC_DATA, DATA, 8, STB_GLOBAL, STT_OBJECT),
        (p + "buffer", SEC_BSS, 0x5000, 0x1000, STB_GLOBAL, STT_OBJECT),
    ]


def _strtab(names):
    """String table: leading NUL, then each name NUL-terminated; returns
    (bytes, {name: offset})."""
    blob, offsets = b"\0", {}
    for n in names:
        offsets[n] = len(blob)
        blob += n.encode() + b"\0"
    return blob, offsets


def _vaddr(off, base, gap):
    """Link-time address of file offset `off`: the RW segment (0x3000 and
    up) is moved up by gap."""
    return base + off + (gap if off >= RELRO else 0)


def build(etype, base, gap=0, prefix=""):
    """The whole file as bytes."""
    assert gap % PAGE == 0
    v = lambda off: _vaddr(off, base, gap)   # noqa: E731
    img = bytearray(BSS)                      # file bytes up to .bss

    # .text: int3 everywhere, then the three functions.
    img[TEXT:TEXT + TEXT_SIZE] = b"\xcc" * TEXT_SIZE
    for off, code in CODE.items():
        img[TEXT + off:TEXT + off + len(code)] = code
    # .rodata: the greeting string.
    msg = b"hello, world\n"
    img[RODATA:RODATA + len(msg)] = msg
    # .data.rel.ro: ops = {main, helper} as link-time pointers.
    struct.pack_into("<QQ", img, RELRO, v(TEXT), v(TEXT + 0x10))
    # .data: counter = 42, config = 0x20 bytes of 0x11.
    struct.pack_into("<Q", img, DATA, 42)
    img[DATA + 0x10:DATA + 0x30] = b"\x11" * 0x20

    # Symbols, strings, section names: appended after the last file byte
    # of the RW segment (0x4040), 8-aligned.
    syms = symbols(prefix)
    strtab, stroff = _strtab([s[0] for s in syms])
    symtab = SYM.pack(0, 0, 0, 0, 0, 0)
    for name, shndx, off, size, bind, typ in syms:
        symtab += SYM.pack(stroff[name], (bind << 4) | typ, 0, shndx,
                           v(off), size)
    nlocal = 1 + sum(1 for s in syms if s[4] == STB_LOCAL)
    secnames = [".text", ".rodata", ".data.rel.ro", ".got", ".data", ".bss",
                ".symtab", ".strtab", ".shstrtab"]
    shstrtab, shoff_name = _strtab(secnames)

    symtab_off = len(img)                     # 0x4040
    img += symtab
    strtab_off = len(img)
    img += strtab
    shstrtab_off = len(img)
    img += shstrtab
    while len(img) % 8:
        img += b"\0"
    shoff = len(img)

    def sh(name, typ, flags, off, size, link=0, info=0, align=1, entsize=0,
           addr=None):
        return SHDR.pack(shoff_name[name] if name else 0, typ, flags,
                         v(off) if addr is None else addr, off, size, link,
                         info, align, entsize)

    shdrs = [
        SHDR.pack(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        sh(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, TEXT, TEXT_SIZE,
           align=16),
        sh(".rodata", SHT_PROGBITS, SHF_ALLOC, RODATA, RODATA_SIZE, align=16),
        sh(".data.rel.ro", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, RELRO,
           RELRO_SIZE, align=8),
        sh(".got", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, GOT, GOT_SIZE,
           align=8, entsize=8),
        sh(".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, DATA, DATA_SIZE,
           align=16),
        sh(".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, BSS, BSS_SIZE,
           align=32),
        # Non-allocated tables: address 0. .symtab links to .strtab (8);
        # sh_info is the index of the first global symbol.
        sh(".symtab", SHT_SYMTAB, 0, symtab_off, len(symtab), link=8,
           info=nlocal, align=8, entsize=SYM.size, addr=0),
        sh(".strtab", SHT_STRTAB, 0, strtab_off, len(strtab), addr=0),
        sh(".shstrtab", SHT_STRTAB, 0, shstrtab_off, len(shstrtab), addr=0),
    ]
    img += b"".join(shdrs)

    hdr_size = EHDR.size + NPHDR * PHDR.size
    phdrs = [
        # PT_PHDR lets a core's reader find the load bias from AT_PHDR.
        PHDR.pack(PT_PHDR, PF_R, EHDR.size, v(EHDR.size), v(EHDR.size),
                  NPHDR * PHDR.size, NPHDR * PHDR.size, 8),
        PHDR.pack(PT_LOAD, PF_R, 0, v(0), v(0), hdr_size, hdr_size, PAGE),
        PHDR.pack(PT_LOAD, PF_R | PF_X, TEXT, v(TEXT), v(TEXT), TEXT_SIZE,
                  TEXT_SIZE, PAGE),
        PHDR.pack(PT_LOAD, PF_R, RODATA, v(RODATA), v(RODATA), RODATA_SIZE,
                  RODATA_SIZE, PAGE),
        # RW: file bytes 0x3000-0x4040, memory to 0x6040 (.bss tail).
        PHDR.pack(PT_LOAD, PF_R | PF_W, RELRO, v(RELRO), v(RELRO),
                  BSS - RELRO, BSS + BSS_SIZE - RELRO, PAGE),
        PHDR.pack(PT_GNU_RELRO, PF_R, RELRO, v(RELRO), v(RELRO),
                  DATA - RELRO, DATA - RELRO, 1),
        PHDR.pack(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16),
    ]
    assert len(phdrs) == NPHDR
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit LE SysV
    ehdr = EHDR.pack(ident, etype, 62, 1, v(TEXT + START_OFFSET), EHDR.size,
                     shoff, 0, EHDR.size, PHDR.size, NPHDR, SHDR.size,
                     len(shdrs), len(shdrs) - 1)
    img[0:hdr_size] = ehdr + b"".join(phdrs)
    return bytes(img)


def write(path, etype, base, gap=0, prefix=""):
    """Write the object to path (directories must exist); returns bytes."""
    data = build(etype, base, gap, prefix)
    with open(path, "wb") as f:
        f.write(data)
    return data


if __name__ == "__main__":
    import sys
    # python3 mkelf.py OUT [exec|dyn] [GAP] [PREFIX]: for looking at the
    # result with readelf -lSWs / objdump -d.
    out = sys.argv[1]
    kind = sys.argv[2] if len(sys.argv) > 2 else "dyn"
    gap = int(sys.argv[3], 0) if len(sys.argv) > 3 else 0
    prefix = sys.argv[4] if len(sys.argv) > 4 else ""
    if kind == "exec":
        write(out, ET_EXEC, 0x400000, gap, prefix)
    else:
        write(out, ET_DYN, 0, gap, prefix)

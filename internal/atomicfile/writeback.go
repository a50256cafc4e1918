package atomicfile

// Early writeback: Commit syncs the file before it gets its name, and a
// token file of a million records is over 500 MB. Written into the page
// cache and synced only at the end, all of it goes to the disk after the
// last byte, while the command waits (measured: 0.25 s of a 5.2 s
// tokenize of a million rows). So every writebackChunk bytes written, the
// kernel is asked to start writing the chunk back (without waiting for
// it, where the system allows: sync_file_range on Linux), and the final
// sync has little left to do. RocksDB's bytes_per_sync does the same.

// writebackChunk is how many bytes are written between two requests.
const writebackChunk = 8 << 20

// Write writes p to the temporary file, asking the kernel to start
// writing each completed chunk back to the disk.
func (f *File) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	f.written += int64(n)
	if f.written-f.flushed >= writebackChunk {
		startWriteback(f.File, f.flushed, f.written-f.flushed)
		f.flushed = f.written
	}
	return n, err
}

// WriteString is Write for a string.
func (f *File) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

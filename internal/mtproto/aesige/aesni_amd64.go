//go:build !purego

package aesige

import "golang.org/x/sys/cpu"

// hasAESNI says the assembly can run: the Go distribution asks for the same
// three features before it uses it.
var hasAESNI = cpu.X86.HasAES && cpu.X86.HasSSE41 && cpu.X86.HasSSSE3

// Implemented in aes_amd64.s.

//go:noescape
func encryptBlockAsm(nr int, xk *uint32, dst, src *byte)

//go:noescape
func decryptBlockAsm(nr int, xk *uint32, dst, src *byte)

//go:noescape
func expandKeyAsm(nr int, key *byte, enc *uint32, dec *uint32)

func expandKey(key *[32]byte, ks *schedule) {
	expandKeyAsm(rounds, &key[0], &ks.enc[0], &ks.dec[0])
}

func encryptBlock(ks *schedule, dst, src *[BlockSize]byte) {
	encryptBlockAsm(rounds, &ks.enc[0], &dst[0], &src[0])
}

func decryptBlock(ks *schedule, dst, src *[BlockSize]byte) {
	decryptBlockAsm(rounds, &ks.dec[0], &dst[0], &src[0])
}

//go:build !amd64 || purego

package aesige

// hasAESNI is false where aes_amd64.s is not built: crypto/aes does the work.
var hasAESNI = false

func expandKey(*[32]byte, *schedule)                             { panic("aesige: no assembly") }
func encryptBlock(*schedule, *[BlockSize]byte, *[BlockSize]byte) { panic("aesige: no assembly") }
func decryptBlock(*schedule, *[BlockSize]byte, *[BlockSize]byte) { panic("aesige: no assembly") }

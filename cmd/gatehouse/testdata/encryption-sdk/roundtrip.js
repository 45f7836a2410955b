// Encrypts and decrypts one message with the AWS Encryption SDK for
// JavaScript, its KMS keyring talking to gatehouse by endpoint, and prints
// what happened as one JSON object for cmd/gatehouse/encryption_sdk_test.go
// to check. Exits non-zero on any failure.
//
// Environment: GATEHOUSE_ENDPOINT (gatehouse's URL), GATEHOUSE_REGION,
// GATEHOUSE_KEY_ARN (the generator key), GATEHOUSE_SECOND_KEY_ARN (a second
// key that also wraps the data key), and the usual AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY the KMS client signs with.
'use strict'

const {
  KmsKeyringNode,
  KMS,
  getClient,
  buildClient,
  CommitmentPolicy,
} = require('@aws-crypto/client-node')

function need (name) {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}

async function main () {
  const endpoint = need('GATEHOUSE_ENDPOINT')
  const region = need('GATEHOUSE_REGION')
  const generatorKeyId = need('GATEHOUSE_KEY_ARN')
  const secondKeyId = need('GATEHOUSE_SECOND_KEY_ARN')

  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
  // Every KMS client the keyrings make points at gatehouse.
  const clientProvider = getClient(KMS, { endpoint, region, maxAttempts: 1 })

  const keyring = new KmsKeyringNode({ clientProvider, generatorKeyId, keyIds: [secondKeyId] })
  const context = { purpose: 'gatehouse-e2e', order: '4711' }
  const message = Buffer.from('Attack at dawn: the AWS Encryption SDK, with keys that never leave gatehouse.')

  // Encrypt: GenerateDataKey under the generator, Encrypt of the same data
  // key under the second key.
  const { result, messageHeader } = await encrypt(keyring, message, { encryptionContext: context })
  const edks = messageHeader.encryptedDataKeys.map(k => ({ providerId: k.providerId, providerInfo: k.providerInfo }))

  // Decrypt with the same keyring (strict: only its key ARNs).
  const strict = await decrypt(keyring, result)

  // Decrypt with a keyring that knows only the second key: KMS must
  // decrypt that key's encrypted data key.
  const secondOnly = new KmsKeyringNode({ clientProvider, keyIds: [secondKeyId] })
  const viaSecond = await decrypt(secondOnly, result)

  // Decrypt with a discovery keyring: the key comes from the message.
  const discovery = new KmsKeyringNode({ clientProvider, discovery: true })
  const viaDiscovery = await decrypt(discovery, result)

  // A changed byte in the body must not decrypt.
  const tampered = Buffer.from(result)
  tampered[tampered.length - 40] ^= 0x01
  let tamperedError = ''
  try {
    await decrypt(keyring, tampered)
  } catch (e) {
    tamperedError = String(e && e.message ? e.message : e)
  }

  const same = b => Buffer.compare(Buffer.from(b), message) === 0
  const ctx = strict.messageHeader.encryptionContext
  process.stdout.write(JSON.stringify({
    ciphertextBytes: result.length,
    edks,
    strictDecrypts: same(strict.plaintext),
    secondKeyDecrypts: same(viaSecond.plaintext),
    discoveryDecrypts: same(viaDiscovery.plaintext),
    contextPurpose: ctx.purpose,
    contextOrder: ctx.order,
    tamperedError,
  }) + '\n')
}

main().catch(err => {
  process.stderr.write(`roundtrip failed: ${err && err.stack ? err.stack : err}\n`)
  if (err && err.$metadata) process.stderr.write(`http status ${err.$metadata.httpStatusCode}, code ${err.name}\n`)
  process.exit(1)
})

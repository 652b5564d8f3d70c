// `npm start`: reads the environment, starts the S3 endpoint and the demo page, prints how to use them, shuts down on signals.

import { createServer, type Server } from 'node:http';
import { createDemoServer, DEMO_CREDENTIALS } from './app.js';
import { MEDIASTORE_DATA_PATH } from './mediastore.js';
import { createPageServer, LOOPBACK_NAMES, sampleRules } from './page-server.js';

/** What {@link main} needs besides the environment. */
export interface MainOptions {
  /** Folder of the demo page (`examples/public`). */
  readonly publicDir: string;
  /** Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Where the demo page listens unless PAGE_HOST says otherwise: it signs with the demo's keys for whoever calls it. */
const DEFAULT_PAGE_HOST = '127.0.0.1';
/** Where the S3 endpoint listens unless HOST says otherwise: its default keys are printed in the banner. */
const DEFAULT_HOST = '127.0.0.1';

/** The environment, checked: PORT, HOST, REDIS_URL, S3_ACCESS_KEY, S3_SECRET_KEY, S3_DOMAIN, PAGE_HOST. */
function readEnvironment(env: NodeJS.ProcessEnv) {
  const port = env.PORT === undefined || env.PORT === '' ? 9000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65534) throw new TypeError(`PORT must be a port number from 1 to 65534 (the page uses PORT+1), not ${JSON.stringify(env.PORT)}.`);
  const accessKeyId = env.S3_ACCESS_KEY || undefined;
  const secretAccessKey = env.S3_SECRET_KEY || undefined;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) throw new TypeError('Set both S3_ACCESS_KEY and S3_SECRET_KEY, or neither (demo defaults).');
  return {
    port,
    redisUrl: env.REDIS_URL || undefined,
    domain: env.S3_DOMAIN || 'localhost',
    host: env.HOST || DEFAULT_HOST,
    pageHost: env.PAGE_HOST || DEFAULT_PAGE_HOST,
    credentials: accessKeyId === undefined ? DEMO_CREDENTIALS : { accessKeyId, secretAccessKey: secretAccessKey! },
    defaultCredentials: accessKeyId === undefined,
  };
}

/** Listens on `host:port`; a port already taken (or not allowed) rejects with a TypeError naming `setting`, which start.mjs prints as one line. */
const listen = (server: Server, port: number, host: string, setting: string): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'is already in use' : error.code === 'EACCES' ? 'needs privileges' : `failed (${error.code ?? error.message})`;
      reject(error.code === undefined ? error : new TypeError(`listening on ${host}:${port} ${why}: set ${setting} to another port.`));
    });
    server.listen(port, host, () => resolve());
  });

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** Starts everything and prints the banner; resolves once both listeners are up. */
export async function main(options: MainOptions): Promise<void> {
  const settings = readEnvironment(options.env ?? process.env);
  const { port, domain, credentials } = settings;
  const endpoint = `http://${domain}:${port}`;
  const pageOrigin = `http://${domain}:${port + 1}`;
  const demo = createDemoServer({ credentials, domain, redisUrl: settings.redisUrl });
  const page = createPageServer({ endpoint, credentials, publicDir: options.publicDir, hostNames: [...LOOPBACK_NAMES, domain] });
  const s3Server = createServer(demo.app);
  const pageServer = createServer(page.app);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: shutting down`);
    Promise.all([closeServer(s3Server), closeServer(pageServer)])
      .then(() => {
        page.close();
        return demo.close();
      })
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('shutdown failed', error);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  await listen(s3Server, port, settings.host, 'PORT');
  await listen(pageServer, port + 1, settings.pageHost, 'PORT (the page uses PORT+1)');

  const { accessKeyId, secretAccessKey } = credentials;
  const cors = JSON.stringify({ CORSRules: sampleRules(pageOrigin) });
  const aws = `aws --endpoint-url ${endpoint}`;
  const mediaStorePolicy = JSON.stringify([{ AllowedOrigins: [pageOrigin], AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 0 }]);
  console.log(`express-bucket-cors demo S3 server

  S3 endpoint   ${endpoint}  (path-style; virtual-hosted: http://<bucket>.${domain}:${port}/; listening on ${settings.host}${settings.host === DEFAULT_HOST ? ' only, HOST changes it' : ''})
  Demo page     ${pageOrigin}/  (another origin than the endpoint: its calls are cross-origin; listening on ${settings.pageHost}${settings.pageHost === DEFAULT_PAGE_HOST ? ' only, PAGE_HOST changes it' : ''})
  Storage       ${settings.redisUrl === undefined ? 'in memory (set REDIS_URL=redis://… to share buckets, objects and CORS rules between instances)' : `Redis ${settings.redisUrl}`}
  Credentials   S3_ACCESS_KEY=${accessKeyId} S3_SECRET_KEY=${secretAccessKey}${settings.defaultCredentials ? '  (demo defaults)' : ''}

AWS CLI:
  export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} AWS_DEFAULT_REGION=us-east-1
  ${aws} s3api create-bucket --bucket photos --acl public-read
  ${aws} s3api put-bucket-cors --bucket photos --cors-configuration '${cors}'
  ${aws} s3api get-bucket-cors --bucket photos
  ${aws} s3api put-object --bucket photos --key hello.txt --body README.md --acl public-read
  ${aws} s3 ls s3://photos/

curl (anonymous; the object above is public-read):
  curl -i ${endpoint}/photos/hello.txt -H 'Origin: ${pageOrigin}'
  curl -i -X OPTIONS ${endpoint}/photos/hello.txt -H 'Origin: ${pageOrigin}' -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: x-amz-meta-note'
  curl -i -X OPTIONS ${endpoint}/photos/hello.txt -H 'Origin: https://elsewhere.example' -H 'Access-Control-Request-Method: GET'
curl (signed, curl >= 7.75; S3 wants x-amz-content-sha256 on every signed request, and "cors=" with its "=" for older curls):
  curl -i --aws-sigv4 aws:amz:us-east-1:s3 --user '${accessKeyId}:${secretAccessKey}' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' '${endpoint}/photos/?cors='

MediaStore, same endpoint (a container is the bucket of its name; its data plane is ${endpoint}${MEDIASTORE_DATA_PATH}/<container>):
  aws mediastore create-container --container-name movies --endpoint-url ${endpoint}
  aws mediastore describe-container --container-name movies --endpoint-url ${endpoint}
  aws mediastore put-cors-policy --container-name movies --cors-policy '${mediaStorePolicy}' --endpoint-url ${endpoint}
  aws mediastore get-cors-policy --container-name movies --endpoint-url ${endpoint}
  curl -i -X OPTIONS ${endpoint}${MEDIASTORE_DATA_PATH}/movies/trailer.mp4 -H 'Origin: ${pageOrigin}' -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type'
  aws mediastore delete-cors-policy --container-name movies --endpoint-url ${endpoint}

Running until stopped: press Ctrl+C (or send SIGTERM, e.g. kill ${process.pid}).
`);
}

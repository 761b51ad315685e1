// contrib's docker detector: the engine API's /info (the daemon host's name and OS), over the
// socket DOCKER_HOST names (unix:///var/run/docker.sock unless set), as the Docker client finds it.
import type { KeyValue } from '@flowtel/pdata';
import type { DockerConfig } from '../config.ts';
import { AttrBuilder, NotOnPlatform, type DetectContext, type Detector } from '../detector.ts';
import { httpGet, jsonOf, type HttpRequest } from '../http.ts';

const DEFAULT_HOST = 'unix:///var/run/docker.sock';

export function dockerDetector(config: DockerConfig): Detector {
  return async (ctx: DetectContext): Promise<KeyValue[]> => {
    const host = ctx.env.DOCKER_HOST || DEFAULT_HOST;
    const req: HttpRequest = { path: '/info', signal: ctx.signal };
    if (host.startsWith('unix://')) req.socketPath = host.slice('unix://'.length);
    else if (host.startsWith('tcp://') || host.startsWith('http://'))
      req.url = `http://${host.replace(/^\w+:\/\//, '')}/info`;
    else throw new Error(`DOCKER_HOST ${host}: flowtel's docker detector speaks to unix:// and tcp:// engines only`);
    let info: { Name?: string; OSType?: string };
    try {
      info = jsonOf(await httpGet(req), 'docker engine /info');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
        throw new NotOnPlatform(`no Docker engine at ${host}: ${(err as Error).message}`);
      }
      throw err;
    }
    if (!info.Name) throw new Error('docker engine /info has no Name');
    return new AttrBuilder(config.resource_attributes).set('host.name', info.Name).set('os.type', info.OSType)
      .attributes;
  };
}

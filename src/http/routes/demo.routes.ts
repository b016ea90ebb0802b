import { Type } from '@sinclair/typebox';
import { hutongError } from '../../errors.ts';
import type { DemoWorld } from '../../demo/demo-world.ts';
import { errorResponses } from '../error-handler.ts';
import type { HubApp, HubServices } from '../types.ts';

const DemoResident = Type.Object(
  {
    number: Type.Integer({ minimum: 1, description: 'the resident\'s number in their city (hutong demo token --citizen N)' }),
    name: Type.String({ description: 'the name on the identity card, as the emulated public-security register holds it' }),
    sex: Type.Union([Type.Literal('male'), Type.Literal('female')]),
    birthDate: Type.String({ format: 'date' }),
    phone: Type.String({ description: 'the handset that receives the resident\'s SMS codes (listDemoPhoneMessages)' }),
    nationalId: Type.String(),
    plate: Type.String(),
    waterAccount: Type.String(),
    electricityAccount: Type.String(),
    gasAccount: Type.String(),
    libraryCard: Type.String(),
    inspectionDueOn: Type.Optional(Type.String({ format: 'date', description: 'the vehicle\'s next inspection; stations take it from 90 days before' })),
    platformUserIds: Type.Object(
      { alipay: Type.String(), wechat: Type.String(), weibo: Type.String(), taobao: Type.String() },
      { description: 'the user id to give each emulated platform\'s authorization page to act as this resident' },
    ),
  },
  { title: 'DemoResident' },
);

const DemoPhoneMessage = Type.Object({ id: Type.String(), text: Type.String(), receivedAt: Type.String({ format: 'date-time' }) }, { title: 'DemoPhoneMessage' });

/**
 * Demo mode only: the emulated world's residents and their phones, so that someone trying the demo
 * in a browser can be one of them (log in with their phone's code, prove their name, link their
 * identifiers). Outside demo mode both answer 404 `HUTONG_ERR_DEMO_ONLY`.
 */
export function demoRoutes(app: HubApp, { catalog }: HubServices, world: DemoWorld | undefined): void {
  const demoWorld = (): DemoWorld => {
    if (!world) throw hutongError('HUTONG_ERR_DEMO_ONLY', 'The demo residents exist only in demo mode (hutong serve --with-emulators)');
    return world;
  };

  app.get(
    '/v1/demo/residents',
    {
      schema: {
        operationId: 'listDemoResidents',
        tags: ['demo'],
        summary: 'Demo mode: residents of the emulated world in a city, to try the services as one of them',
        querystring: Type.Object({
          cityId: Type.String({ maxLength: 64 }),
          count: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
        }),
        response: { 200: Type.Object({ cityId: Type.String(), residents: Type.Array(DemoResident) }), ...errorResponses },
      },
    },
    async (request) => {
      const world = demoWorld();
      const city = catalog.getCity(request.query.cityId);
      return { cityId: city.id, residents: await world.residents(city.id, request.query.count) };
    },
  );

  app.get(
    '/v1/demo/phones/:phone/messages',
    {
      schema: {
        operationId: 'listDemoPhoneMessages',
        tags: ['demo'],
        summary: 'Demo mode: the text messages an emulated handset received (login codes, reminders), newest first',
        params: Type.Object({ phone: Type.String({ pattern: '^1[3-9]\\d{9}$', description: 'a mainland mobile number' }) }),
        response: { 200: Type.Object({ phone: Type.String(), messages: Type.Array(DemoPhoneMessage) }), ...errorResponses },
      },
    },
    async (request) => ({ phone: request.params.phone, messages: await demoWorld().phoneMessages(request.params.phone) }),
  );
}

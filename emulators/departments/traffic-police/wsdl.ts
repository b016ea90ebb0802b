/**
 * The WSDL 1.1 contract of the emulated traffic-police violation service (document/literal,
 * SOAP 1.1 over HTTP): `QueryViolations` pages through a plate's violations, `PayViolation`
 * records a fine paid through a payment platform (缴款).
 */

/** Target namespace of the service's messages and types (made up for the emulator). */
export const TRAFFIC_POLICE_NAMESPACE = 'http://jtgl.example.gov.cn/violation/v1';

/** SOAPAction of the `QueryViolations` operation. */
export const QUERY_VIOLATIONS_SOAP_ACTION = `${TRAFFIC_POLICE_NAMESPACE}/QueryViolations`;

/** SOAPAction of the `PayViolation` operation. */
export const PAY_VIOLATION_SOAP_ACTION = `${TRAFFIC_POLICE_NAMESPACE}/PayViolation`;

/**
 * Fault codes of a refused payment, SOAP 1.1 dot-qualified `Client` codes: the request was
 * understood and will never succeed as sent.
 */
export const PAYMENT_REFUSAL_FAULT_CODES = {
  'unknown-record': 'soap:Client.ViolationNotFound',
  'already-paid': 'soap:Client.AlreadyPaid',
  'amount-mismatch': 'soap:Client.AmountMismatch',
  'reference-reused': 'soap:Client.DuplicateReference',
} as const;

/** Field names of one violation record, in the order the schema lists them. */
export const VIOLATION_RECORD_FIELDS = [
  'XH',
  'HPHM',
  'HPZL',
  'WFSJ',
  'WFDZ',
  'WFXW',
  'WFNR',
  'FKJE',
  'WFJFS',
  'CLBJ',
  'JKBJ',
  'CJJG',
] as const;

const RECORD_FIELD_DOCUMENTATION: Record<(typeof VIOLATION_RECORD_FIELDS)[number], string> = {
  XH: '序号',
  HPHM: '号牌号码',
  HPZL: '号牌种类',
  WFSJ: '违法时间 yyyy-MM-dd HH:mm:ss',
  WFDZ: '违法地点',
  WFXW: '违法行为代码',
  WFNR: '违法内容',
  FKJE: '罚款金额(元)',
  WFJFS: '违法记分数',
  CLBJ: '处理标记 0未处理 1已处理',
  JKBJ: '缴款标记 0未缴款 1已缴款',
  CJJG: '采集机关',
};

/**
 * The WSDL document of `TrafficViolationService`, with `address` as the endpoint of its one port
 * `TrafficViolationPort`.
 */
export function trafficPoliceWsdl(address: string): string {
  const recordFields = VIOLATION_RECORD_FIELDS.map(
    (field) =>
      `          <xsd:element name="${field}" type="xsd:string">` +
      `<xsd:annotation><xsd:documentation>${RECORD_FIELD_DOCUMENTATION[field]}</xsd:documentation></xsd:annotation>` +
      `</xsd:element>`,
  ).join('\n');

  return `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="TrafficViolationService"
    targetNamespace="${TRAFFIC_POLICE_NAMESPACE}"
    xmlns:tns="${TRAFFIC_POLICE_NAMESPACE}"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <wsdl:documentation>机动车交通违法查询与缴款服务 / motor vehicle traffic violation query and payment service</wsdl:documentation>
  <wsdl:types>
    <xsd:schema targetNamespace="${TRAFFIC_POLICE_NAMESPACE}" elementFormDefault="qualified">
      <xsd:complexType name="ViolationRecord">
        <xsd:sequence>
${recordFields}
        </xsd:sequence>
      </xsd:complexType>
      <xsd:complexType name="ViolationRecordList">
        <xsd:sequence>
          <xsd:element name="record" type="tns:ViolationRecord" minOccurs="0" maxOccurs="unbounded"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="QueryViolationsRequest">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="hphm" type="xsd:string"/>
            <xsd:element name="hpzl" type="xsd:string"/>
            <xsd:element name="pageNo" type="xsd:int"/>
            <xsd:element name="pageSize" type="xsd:int"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="QueryViolationsResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="code" type="xsd:string"/>
            <xsd:element name="message" type="xsd:string"/>
            <xsd:element name="total" type="xsd:int"/>
            <xsd:element name="pageNo" type="xsd:int"/>
            <xsd:element name="pageSize" type="xsd:int"/>
            <xsd:element name="records" type="tns:ViolationRecordList"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="PayViolationRequest">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="xh" type="xsd:string"><xsd:annotation><xsd:documentation>违法序号</xsd:documentation></xsd:annotation></xsd:element>
            <xsd:element name="hphm" type="xsd:string"><xsd:annotation><xsd:documentation>号牌号码</xsd:documentation></xsd:annotation></xsd:element>
            <xsd:element name="hpzl" type="xsd:string"><xsd:annotation><xsd:documentation>号牌种类</xsd:documentation></xsd:annotation></xsd:element>
            <xsd:element name="jkje" type="xsd:string"><xsd:annotation><xsd:documentation>缴款金额(元), 须等于罚款金额</xsd:documentation></xsd:annotation></xsd:element>
            <xsd:element name="jklsh" type="xsd:string"><xsd:annotation><xsd:documentation>缴款流水号: the payer's reference; the same one again records nothing new</xsd:documentation></xsd:annotation></xsd:element>
            <xsd:element name="jksj" type="xsd:string"><xsd:annotation><xsd:documentation>缴款时间 yyyy-MM-dd HH:mm:ss</xsd:documentation></xsd:annotation></xsd:element>
            <xsd:element name="jkqd" type="xsd:string" minOccurs="0"><xsd:annotation><xsd:documentation>缴款渠道</xsd:documentation></xsd:annotation></xsd:element>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="PayViolationResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="code" type="xsd:string"/>
            <xsd:element name="message" type="xsd:string"/>
            <xsd:element name="xh" type="xsd:string"/>
            <xsd:element name="jkbh" type="xsd:string"><xsd:annotation><xsd:documentation>缴款编号: the traffic police's number for the payment</xsd:documentation></xsd:annotation></xsd:element>
            <xsd:element name="jkje" type="xsd:string"/>
            <xsd:element name="jksj" type="xsd:string"/>
            <xsd:element name="jkbj" type="xsd:string"><xsd:annotation><xsd:documentation>缴款标记 1已缴款</xsd:documentation></xsd:annotation></xsd:element>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </wsdl:types>
  <wsdl:message name="QueryViolationsRequestMessage">
    <wsdl:part name="parameters" element="tns:QueryViolationsRequest"/>
  </wsdl:message>
  <wsdl:message name="QueryViolationsResponseMessage">
    <wsdl:part name="parameters" element="tns:QueryViolationsResponse"/>
  </wsdl:message>
  <wsdl:message name="PayViolationRequestMessage">
    <wsdl:part name="parameters" element="tns:PayViolationRequest"/>
  </wsdl:message>
  <wsdl:message name="PayViolationResponseMessage">
    <wsdl:part name="parameters" element="tns:PayViolationResponse"/>
  </wsdl:message>
  <wsdl:portType name="TrafficViolationPortType">
    <wsdl:operation name="QueryViolations">
      <wsdl:documentation>按号牌号码和号牌种类分页查询交通违法记录 / page through the violations of a plate</wsdl:documentation>
      <wsdl:input message="tns:QueryViolationsRequestMessage"/>
      <wsdl:output message="tns:QueryViolationsResponseMessage"/>
    </wsdl:operation>
    <wsdl:operation name="PayViolation">
      <wsdl:documentation>违法罚款缴款登记 / record a fine paid through a payment platform; refusals are Client.* faults</wsdl:documentation>
      <wsdl:input message="tns:PayViolationRequestMessage"/>
      <wsdl:output message="tns:PayViolationResponseMessage"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="TrafficViolationBinding" type="tns:TrafficViolationPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="QueryViolations">
      <soap:operation soapAction="${QUERY_VIOLATIONS_SOAP_ACTION}" style="document"/>
      <wsdl:input>
        <soap:body use="literal"/>
      </wsdl:input>
      <wsdl:output>
        <soap:body use="literal"/>
      </wsdl:output>
    </wsdl:operation>
    <wsdl:operation name="PayViolation">
      <soap:operation soapAction="${PAY_VIOLATION_SOAP_ACTION}" style="document"/>
      <wsdl:input>
        <soap:body use="literal"/>
      </wsdl:input>
      <wsdl:output>
        <soap:body use="literal"/>
      </wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="TrafficViolationService">
    <wsdl:port name="TrafficViolationPort" binding="tns:TrafficViolationBinding">
      <soap:address location="${escapeXmlAttribute(address)}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;
}

function escapeXmlAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
